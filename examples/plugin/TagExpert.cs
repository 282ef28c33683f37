using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Example;

/// <summary>An example plugin: writes a fixed tag into every event (docs/plugins.md).</summary>
[Program("tag-expert", ProgramKind.Expert, "Writes a fixed tag into a field of every event (an example plugin).",
    Options = typeof(TagExpertOptions),
    Description = """
        Sets field (extra.tag by default) to tag on every event; a value the event already has is kept unless
        overwrite=true. Built from examples/plugin and dropped into the plugins directory, it runs like a built-in program.
        """,
    FieldsWritten = ["custom.tag"],
    Examples = ["intelmq run tag-expert --set tag=constituency-a < events.jsonl"])]
public sealed class TagExpert : IExpert
{
    readonly string _field;
    readonly string _tag;
    readonly bool _overwrite;

    public TagExpert(TagExpertOptions options)
    {
        _field = DhoMapping.ToIdf(options.Field) ?? options.Field;
        if (FieldCatalogue.Default.Find(_field) is null)
            throw new ConfigurationException($"tag-expert: option 'field': '{options.Field}' is not a field; give an IntelMQ name such as extra.tag.");
        _tag = options.Tag;
        _overwrite = options.Overwrite;
    }

    public void Process(Event ev, IEmitter output)
    {
        ev.TryAdd(_field, _tag, _overwrite);
        output.Emit(ev);
    }
}
