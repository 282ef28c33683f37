using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Modify;

/// <summary>Sets fields by the rules of a JSON file, as IntelMQ's modify expert does.</summary>
[Program("modify-expert", ProgramKind.Expert, "Sets fields when an event matches the conditions of rules in a JSON file (IntelMQ's modify rules).",
    Modules = ["intelmq.bots.experts.modify.expert"],
    Options = typeof(ModifyExpertOptions),
    Description = """
        Rules are tried in the file's order. A rule matches when each of its conditions holds: "" means the field is
        absent; a text is a regular expression searched in the field's value as Python writes it (True, 5.22); a
        boolean or number must equal the value. A matching rule sets its then fields; text values are formatted
        like Python's str.format with {msg[field]} (the event's value) and {matches[field][group]} (a group of
        that condition's match). overwrite=false keeps fields the event has; maximum_matches stops after that many
        matching rules. A value the field refuses leaves it unchanged. The file is read at start: invalid JSON, an
        unknown field or a bad regular expression refuses to start, naming the file and the rule.
        """,
    Examples = ["intelmq run modify-expert --set configuration_path=/etc/intelmq/modify.conf < events.jsonl"])]
public sealed class ModifyExpert : IExpert
{
    const string Program = "modify-expert";
    static readonly Regex Placeholder = new(@"\{\{|\}\}|\{(msg|matches)\[([^\]]+)\](?:\[([^\]]+)\])?\}", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    readonly List<ModifyRule> _rules;
    readonly bool _overwrite;
    readonly int _maximum;

    public ModifyExpert(ModifyExpertOptions options)
    {
        var path = options.ConfigurationPath;
        _rules = Load(TextFile.ReadAll(Program, "configuration_path", path), path, options.CaseSensitive);
        _overwrite = options.Overwrite;
        _maximum = options.MaximumMatches;
    }

    public void Process(Event ev, IEmitter output)
    {
        var matched = 0;
        foreach (var rule in _rules)
        {
            var matches = Match(rule, ev);
            if (matches is null) continue;
            foreach (var (field, value) in rule.Then)
                ev.TryAdd(field, value is string template ? Format(template, ev, matches) : value, _overwrite);
            if (_maximum > 0 && ++matched >= _maximum) break;
        }
        output.Emit(ev);
    }

    static Dictionary<string, System.Text.RegularExpressions.Match>? Match(ModifyRule rule, Event ev)
    {
        var matches = new Dictionary<string, System.Text.RegularExpressions.Match>(StringComparer.Ordinal);
        foreach (var condition in rule.Conditions)
        {
            var actual = ev[condition.Field];
            if (condition.Absent)
            {
                if (actual is not null) return null;
                continue;
            }
            if (actual is null) return null;
            if (condition.Pattern is not null)
            {
                var match = condition.Pattern.Match(PythonText.Of(actual));
                if (!match.Success) return null;
                matches[condition.Field] = match;
            }
            else if (!SameValue(actual, condition.Value)) return null;
        }
        return matches;
    }

    static bool SameValue(object actual, object? wanted) => (actual, wanted) switch
    {
        (bool a, bool b) => a == b,
        (long or double, long or double) => Convert.ToDouble(actual, CultureInfo.InvariantCulture) == Convert.ToDouble(wanted, CultureInfo.InvariantCulture),
        _ => false,
    };

    static string Format(string template, Event ev, Dictionary<string, System.Text.RegularExpressions.Match> matches) =>
        Placeholder.Replace(template, m =>
        {
            if (m.Value == "{{") return "{";
            if (m.Value == "}}") return "}";
            var field = IntelMQFields.ToIdf(m.Groups[2].Value);
            if (m.Groups[1].Value == "msg") return PythonText.Of(ev[field]);
            if (!matches.TryGetValue(field, out var match)) return "";
            var group = m.Groups[3].Value;
            return (int.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? match.Groups[n] : match.Groups[group]).Value;
        });

    internal static List<ModifyRule> Load(string text, string source, bool caseSensitive)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"{Program}: {source}, line {(ex.LineNumber ?? 0) + 1}: not valid JSON: {ex.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new ConfigurationException($"{Program}: {source}: the rules must be a JSON list of {{\"rulename\", \"if\", \"then\"}} objects.");
            var rules = new List<ModifyRule>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                index++;
                var name = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("rulename", out var n) ? n.ToString() : $"#{index}";
                string Where() => $"{source}, rule '{name}'";
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("if", out var when) || when.ValueKind != JsonValueKind.Object
                    || !element.TryGetProperty("then", out var then) || then.ValueKind != JsonValueKind.Object)
                    throw new ConfigurationException($"{Program}: {Where()}: a rule needs an \"if\" object and a \"then\" object.");
                var conditions = new List<ModifyCondition>();
                foreach (var property in when.EnumerateObject())
                {
                    var field = Field(property.Name, Where);
                    conditions.Add(property.Value.ValueKind switch
                    {
                        JsonValueKind.String when property.Value.GetString() is "" => new(field, true, null, null),
                        JsonValueKind.String => new(field, false, Pattern(property.Value.GetString()!, caseSensitive, Where), null),
                        JsonValueKind.True or JsonValueKind.False => new(field, false, null, property.Value.GetBoolean()),
                        JsonValueKind.Number => new(field, false, null, property.Value.TryGetInt64(out var l) ? l : property.Value.GetDouble()),
                        _ => throw new ConfigurationException($"{Program}: {Where()}: the condition on {property.Name} must be text, a number or a boolean."),
                    });
                }
                var values = new List<(string, object)>();
                foreach (var property in then.EnumerateObject())
                    values.Add((Field(property.Name, Where), FieldNormalizer.Unwrap(property.Value.Clone())
                        ?? throw new ConfigurationException($"{Program}: {Where()}: the value of {property.Name} is null.")));
                rules.Add(new ModifyRule(name, conditions, values));
            }
            return rules;
        }
    }

    static string Field(string name, Func<string> where)
    {
        var path = IntelMQFields.ToIdf(name);
        return FieldCatalogue.Default.Find(path) is null ? throw new ConfigurationException($"{Program}: {where()}: '{name}' is not a field.") : path;
    }

    static Regex Pattern(string pattern, bool caseSensitive, Func<string> where)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase), TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"{Program}: {where()}: '{pattern}' is not a regular expression: {ex.Message}");
        }
    }
}
