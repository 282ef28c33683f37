using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Core.Interop;

namespace IntelMQ.Experts.N6;

/// <summary>Renders each event as an n6 event into the output field: the IDF → n6 direction of the n6 conversion.</summary>
[Program("n6-expert", ProgramKind.Expert, "Sets the output field to the event as a CERT Polska n6 event (IDF → n6).",
    Description = """
        The inverse of n6-parser (the library function N6Format.FromEvent): the classification gives the n6 category
        (src/IntelMQ.Core/Data/n6-categories.json read backwards, or custom.category), event_description.text or
        malware.name the name, source.ip with its AS, country and reverse DNS one element of address (ip or ipv6), the other
        fields their n6 attributes, custom.feed_id, feed_source, confidence and adip id, source, confidence and adip, and
        every other custom.* field the attribute of its name; type is custom.type or "event". The n6 event, as a JSON
        object, replaces the output field, which the file or any other output writes out. n6 events with several addresses
        that n6-parser split into one event each come back one per event; N6Format.FromEvents joins them.
        IntelMQ has no such expert, so this program answers to no IntelMQ module.
        """,
    FieldsWritten = ["output"],
    Examples = ["intelmq run n6-expert --in-format dho --out-format ndjson < events.jsonl"])]
public sealed class N6Expert : IExpert
{
    public void Process(Event ev, IEmitter output)
    {
        ev.Add("output", N6Format.FromEvent(ev), overwrite: true);
        output.Emit(ev);
    }
}
