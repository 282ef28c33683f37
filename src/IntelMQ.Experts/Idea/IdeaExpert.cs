using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Core.Interop;

namespace IntelMQ.Experts.Idea;

/// <summary>Renders each event as a CESNET IDEA message into the output field, as IntelMQ's IDEA expert does.</summary>
[Program("idea-expert", ProgramKind.Expert, "Sets the output field to the event as a CESNET IDEA (Warden) message (IDF → IDEA).",
    Modules = ["intelmq.bots.experts.idea.expert"],
    Options = typeof(IdeaExpertOptions),
    Description = """
        The library function IdeaFormat.FromEvent: Format IDEA0; ID the event's id (IntelMQ draws a random one; ours is
        stable, so converting an event again gives the same message); DetectTime time.observation; EventTime time.source;
        CeaseTime event.end; Category from classification.type (src/IntelMQ.Core/Data/idea-categories.json, or
        custom.idea_category from an IDEA message read earlier), plus Test when test_mode is on; Confidence feed.accuracy / 100;
        Description "feed.name: event_description.text"; Note comment; Ref event_description.url, misp_event:<misp.event_uuid>,
        misp_attr:<misp.attribute_uuid>; Source and Target from source.* and destination.* (IP4 or IP6, Hostname, PTR from
        reverse_dns, Port, URL, ASN, Email from an account that is an address, and Proto: transport then application
        protocol); Attach the raw data as OrigData with feed.url as its Ref. The message replaces the output field.
        idea-parser reads such messages back.
        """,
    FieldsWritten = ["output"],
    Examples = ["intelmq run idea-expert --set test_mode=false --in-format dho --out-format dho < events.jsonl"])]
public sealed class IdeaExpert(IdeaExpertOptions options) : IExpert
{
    public IdeaExpert() : this(new IdeaExpertOptions()) { }

    public void Process(Event ev, IEmitter output)
    {
        ev.Add("output", IdeaFormat.FromEvent(ev, options.TestMode), overwrite: true);
        output.Emit(ev);
    }
}
