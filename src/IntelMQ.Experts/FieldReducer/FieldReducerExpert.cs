using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.FieldReducer;

/// <summary>Keeps only some fields, or removes some, as IntelMQ's field_reducer expert does.</summary>
[Program("field-reducer-expert", ProgramKind.Expert, "Keeps only the listed fields (whitelist) or removes them (blacklist).",
    Modules = ["intelmq.bots.experts.field_reducer.expert"],
    Options = typeof(FieldReducerExpertOptions),
    Description = """
        With type=whitelist every field not in keys is removed; with type=blacklist the fields in keys are removed.
        The event's id (event.id) is never removed: experts do not change an event's identity. 'extra' in keys
        stands for every extra.* field.
        """,
    Examples = ["intelmq run field-reducer-expert --set type=whitelist --set 'keys=[\"source.ip\", \"time.source\"]' < events.jsonl"])]
public sealed class FieldReducerExpert : IExpert
{
    const string Custom = "custom.";
    readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    readonly bool _whitelist, _allCustom;

    public FieldReducerExpert(FieldReducerExpertOptions options)
    {
        _whitelist = options.Type switch
        {
            "whitelist" => true,
            "blacklist" => false,
            _ => throw new ConfigurationException($"field-reducer-expert: option 'type' is '{options.Type}'; give whitelist or blacklist."),
        };
        foreach (var key in options.Keys.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (key == "extra") _allCustom = true;
            else _keys.Add(IntelMQFields.ToIdf(key));
        }
    }

    public void Process(Event ev, IEmitter output)
    {
        List<string>? remove = null;
        foreach (var (path, _) in ev.Fields)
        {
            if (path == Event.IdField) continue;
            var listed = _keys.Contains(path) || (_allCustom && path.StartsWith(Custom, StringComparison.Ordinal));
            if (listed != _whitelist) (remove ??= []).Add(path);
        }
        if (remove is not null)
            foreach (var path in remove) ev.Remove(path);
        output.Emit(ev);
    }
}
