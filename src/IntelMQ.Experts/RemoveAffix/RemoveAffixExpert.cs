using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.RemoveAffix;

/// <summary>Removes a fixed prefix or suffix from a field, as IntelMQ's remove_affix expert does.</summary>
[Program("remove-affix-expert", ProgramKind.Expert, "Removes a prefix (www.) or suffix from a field's text.",
    Modules = ["intelmq.bots.experts.remove_affix.expert"],
    Options = typeof(RemoveAffixExpertOptions),
    Description = """
        When the field's text starts (remove_prefix=true) or ends (false) with affix, that affix is removed:
        www.example.com becomes example.com. Other values, and events without the field, pass unchanged; so does a
        value that would be left empty or invalid for its field.
        """,
    FieldsRead = ["source.domain"],
    FieldsWritten = ["source.domain"],
    Examples = ["intelmq run remove-affix-expert --set field=source.fqdn --set affix=www. < events.jsonl"])]
public sealed class RemoveAffixExpert(RemoveAffixExpertOptions options) : IExpert
{
    readonly string _field = IntelMQFields.Require("remove-affix-expert", "field", options.Field);

    public void Process(Event ev, IEmitter output)
    {
        if (options.Affix.Length > 0 && ev[_field] is string value)
        {
            if (options.RemovePrefix && value.StartsWith(options.Affix, StringComparison.Ordinal))
                ev.TryAdd(_field, value[options.Affix.Length..], overwrite: true);
            else if (!options.RemovePrefix && value.EndsWith(options.Affix, StringComparison.Ordinal))
                ev.TryAdd(_field, value[..^options.Affix.Length], overwrite: true);
        }
        output.Emit(ev);
    }
}
