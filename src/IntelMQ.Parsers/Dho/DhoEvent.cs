using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// Building events by IntelMQ's field names (<c>source.asn</c>, <c>extra.x</c>) with IntelMQ's rules for values:
/// null, "", "-" and "N/A" mean "no value"; the report's fields and the common parser parameters apply.
/// </summary>
public static class DhoEvent
{
    /// <summary>A new event from a report: its inherited fields and, first, the report fields the options ask to copy.</summary>
    public static Event New(Event report, DhoParserOptions options)
    {
        var ev = ReportFields.NewEvent(report);
        foreach (var dho in options.CopyCollectorProvidedFields ?? [])
            if (DhoMapping.ToIdf(dho) is { } idf) ev.CopyFrom(report, idf);
        return ev;
    }

    /// <summary>IntelMQ's "no value": such a value is not added, and overwriting with it removes the field.</summary>
    public static bool IsEmpty(object? value) => value is null or "" or "-" or "N/A";

    /// <summary>The IDF path of an IntelMQ field name.</summary>
    /// <exception cref="InvalidFieldException">IntelMQ has no such field.</exception>
    public static string Path(string dho) =>
        DhoMapping.ToIdf(dho) ?? throw new InvalidFieldException(dho, $"unknown field '{dho}': it is not an IntelMQ field (extra.* takes any name)");

    // IntelMQ's sanitiser rewrites these old spellings (its docs/dev/data-format.md); Core stores only the current ones.
    static readonly Dictionary<string, string> LegacyTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["botnet drone"] = "infected-system", ["ids alert"] = "ids-alert", ["c&c"] = "c2-server", ["c2server"] = "c2-server",
        ["infected system"] = "infected-system", ["malware configuration"] = "malware-configuration", ["leak"] = "data-leak",
        ["vulnerable client"] = "vulnerable-system", ["vulnerable service"] = "vulnerable-system", ["ransomware"] = "infected-system",
        ["unknown"] = "undetermined", ["unauthorised-information-access"] = "unauthorised-information-access",
    };

    static readonly Dictionary<string, string> LegacyTaxonomies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["abusive content"] = "abusive-content", ["information gathering"] = "information-gathering",
        ["intrusion attempts"] = "intrusion-attempts", ["malicious code"] = "malicious-code",
    };

    /// <summary>Adds a value under its IntelMQ name; an empty value is skipped (or, overwriting, removes the field).</summary>
    /// <exception cref="InvalidFieldException">The field is unknown, set already (without overwrite), or refuses the value.</exception>
    public static void Add(Event ev, string dho, object? value, bool overwrite = false)
    {
        var path = Path(dho);
        if (value is System.Text.Json.JsonElement element) value = FieldNormalizer.Unwrap(element);
        if (value is string text && (dho == "classification.type" ? LegacyTypes : dho == "classification.taxonomy" ? LegacyTaxonomies : null) is { } legacy
            && legacy.TryGetValue(text, out var current)) value = current;
        if (IsEmpty(value))
        {
            if (overwrite) ev.Remove(path);
            return;
        }
        ev.Add(path, value, overwrite);
    }

    /// <summary>Like <see cref="Add"/>, but false where Add would throw.</summary>
    public static bool TryAdd(Event ev, string dho, object? value, bool overwrite = false)
    {
        try
        {
            Add(ev, dho, value, overwrite);
            return true;
        }
        catch (InvalidFieldException)
        {
            return false;
        }
    }

    /// <summary>True when the event has the field of this IntelMQ name.</summary>
    public static bool Has(Event ev, string dho) => DhoMapping.ToIdf(dho) is { } path && ev.Contains(path);

    /// <summary>Completes an event: default_fields where parsing set nothing, the raw text as event.original, the stable id.</summary>
    /// <exception cref="InvalidFieldException">A default field refuses its value.</exception>
    public static Event Complete(Event ev, DhoParserOptions options, string raw) => Complete(ev, options, "", raw);

    /// <summary>Like <see cref="Complete(Event, DhoParserOptions, string)"/> for a raw text that starts with a part shared by many events (a header).</summary>
    public static Event Complete(Event ev, DhoParserOptions options, string rawHead, string rawTail)
    {
        foreach (var (dho, value) in options.DefaultFields ?? new Dictionary<string, string>())
            if (!Has(ev, dho)) Add(ev, dho, value);
        ev.Remove(Event.OriginalField);
        if (rawHead.Length + rawTail.Length > 0) ev.AddOriginal(rawHead, rawTail);
        ev.AssignStableId();
        return ev;
    }
}
