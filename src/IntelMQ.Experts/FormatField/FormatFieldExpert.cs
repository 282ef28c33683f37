using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.FormatField;

/// <summary>Strips, replaces in and splits text fields, as IntelMQ's format_field expert does.</summary>
[Program("format-field-expert", ProgramKind.Expert, "Strips characters from fields, replaces text in a field, or splits a field into a list.",
    Modules = ["intelmq.bots.experts.format_field.expert"],
    Options = typeof(FormatFieldExpertOptions),
    Description = """
        In this order: each field of strip_columns loses strip_chars at both ends; in replace_column the first
        replace_count occurrences of old_value become new_value; split_column becomes the list of its parts at
        split_separator. A result the field does not accept leaves the field as it was.
        """,
    Examples = ["intelmq run format-field-expert --set strip_columns=malware.name,extra.abuse < events.jsonl",
        "intelmq run format-field-expert --set replace_column=feed.url --set old_value=localhost --set new_value=127.0.0.1 < events.jsonl"])]
public sealed class FormatFieldExpert : IExpert
{
    const string Program = "format-field-expert";
    readonly string[] _strip;
    readonly char[] _stripChars;
    readonly string? _replace, _split;
    readonly FormatFieldExpertOptions _options;

    public FormatFieldExpert(FormatFieldExpertOptions options)
    {
        _options = options;
        _strip = [.. options.StripColumns.Select(f => IntelMQFields.Require(Program, "strip_columns", f))];
        _stripChars = options.StripChars.ToCharArray();
        _replace = options.ReplaceColumn.Length > 0 ? IntelMQFields.Require(Program, "replace_column", options.ReplaceColumn) : null;
        if (_replace is not null && options.OldValue.Length == 0)
            throw new ConfigurationException($"{Program}: option 'old_value' is empty; say what to replace in {options.ReplaceColumn}.");
        _split = options.SplitColumn.Length > 0 ? IntelMQFields.Require(Program, "split_column", options.SplitColumn) : null;
        if (_split is not null && options.SplitSeparator.Length == 0)
            throw new ConfigurationException($"{Program}: option 'split_separator' is empty.");
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var field in _strip)
            if (ev[field] is string value)
                ev.TryAdd(field, value.Trim(_stripChars), overwrite: true);
        if (_replace is not null && ev[_replace] is string text)
            ev.TryAdd(_replace, ReplaceFirst(text, _options.OldValue, _options.NewValue, _options.ReplaceCount), overwrite: true);
        if (_split is not null && ev[_split] is string joined)
            ev.TryAdd(_split, joined.Split(_options.SplitSeparator), overwrite: true);
        output.Emit(ev);
    }

    static string ReplaceFirst(string text, string old, string replacement, int count)
    {
        var result = new System.Text.StringBuilder(text.Length);
        var from = 0;
        for (var n = 0; n < count; n++)
        {
            var at = text.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0) break;
            result.Append(text, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return result.Append(text, from, text.Length - from).ToString();
    }
}
