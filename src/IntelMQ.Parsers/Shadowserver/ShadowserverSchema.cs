using System.Collections.Frozen;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>
/// Shadowserver's report schema for IntelMQ (the vendored <c>shadowserver-schema.json</c>, a downloaded update, or
/// a file the operator names): for each report type its feed name, constant fields and column conversions.
/// </summary>
public sealed class ShadowserverSchema
{
    /// <summary>Where Shadowserver publishes the live schema.</summary>
    public const string PublishedUrl = "https://interchange.shadowserver.org/intelmq/v1/schema";

    static readonly Lazy<ShadowserverSchema> Embedded = new(() =>
    {
        using var stream = EmbeddedData.Open("shadowserver-schema.json", typeof(ShadowserverSchema).Assembly);
        return Load(stream, "the built-in schema");
    });

    readonly FrozenDictionary<string, ShadowserverReportType> _byFileName;
    readonly FrozenDictionary<string, ShadowserverReportType> _byFeedName;

    ShadowserverSchema(List<ShadowserverReportType> types, string? created, string source)
    {
        _byFileName = types.ToFrozenDictionary(t => t.FileName, StringComparer.Ordinal);
        _byFeedName = types.GroupBy(t => t.FeedName).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Created = created;
        Source = source;
    }

    public static ShadowserverSchema BuiltIn => Embedded.Value;

    /// <summary>The schema's <c>_meta.date_created</c>.</summary>
    public string? Created { get; }

    /// <summary>Where this schema was read from, for messages.</summary>
    public string Source { get; }

    public IReadOnlyCollection<ShadowserverReportType> ReportTypes => _byFileName.Values;

    public ShadowserverReportType? ByFileName(string reportType) => _byFileName.GetValueOrDefault(reportType);

    public ShadowserverReportType? ByFeedName(string feedName) => _byFeedName.GetValueOrDefault(feedName);

    public static ShadowserverSchema Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <exception cref="InvalidDataException">The schema is not valid or names a conversion this version does not implement.</exception>
    public static ShadowserverSchema Load(Stream stream, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream); }
        catch (JsonException ex) { throw new InvalidDataException($"The Shadowserver schema {source} is not valid JSON: {ex.Message}"); }
        using (doc)
        {
            var types = new List<ShadowserverReportType>();
            string? created = null;
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "_meta")
                {
                    if (entry.Value.TryGetProperty("date_created", out var d)) created = d.GetString();
                    continue;
                }
                try { types.Add(ReadType(entry.Value)); }
                catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or InvalidDataException)
                {
                    throw new InvalidDataException($"The Shadowserver schema {source}: report type '{entry.Name}' is malformed: {ex.Message}");
                }
            }
            return new ShadowserverSchema(types, created, source);
        }
    }

    static ShadowserverReportType ReadType(JsonElement e)
    {
        var constants = new List<KeyValuePair<string, string>>();
        if (e.TryGetProperty("constant_fields", out var c))
            foreach (var p in c.EnumerateObject())
                constants.Add(new(DhoMapping.ToIdf(p.Name) ?? "custom." + p.Name, p.Value.GetString()!));
        return new ShadowserverReportType(
            e.GetProperty("file_name").GetString()!,
            e.GetProperty("feed_name").GetString()!,
            e.TryGetProperty("url", out var url) ? url.GetString() : null,
            constants,
            ReadFields(e, "required_fields", required: true),
            ReadFields(e, "optional_fields", required: false));
    }

    static List<ShadowserverField> ReadFields(JsonElement e, string name, bool required)
    {
        var fields = new List<ShadowserverField>();
        if (!e.TryGetProperty(name, out var list)) return fields;
        foreach (var item in list.EnumerateArray())
        {
            var target = item[0].GetString()!;
            var column = item[1].GetString()!;
            var conversion = item.GetArrayLength() > 2 ? item[2].GetString() : null;
            if (conversion is not null && !ShadowserverConversions.IsKnown(conversion))
                throw new InvalidDataException($"conversion '{conversion}' for column '{column}' is not implemented by this version; update IntelMQ.NET");
            fields.Add(new ShadowserverField(target, PathOf(target, column, required), column, conversion,
                item.GetArrayLength() > 3 && item[3].ValueKind == JsonValueKind.True));
        }
        return fields;
    }

    // "extra." takes the column's name; names IntelMQ lacks (severity, product.*) become custom fields, except
    // in required fields, where IntelMQ skips them.
    static string? PathOf(string target, string column, bool required) => target switch
    {
        "extra." => "custom." + column,
        _ when target.StartsWith("extra.", StringComparison.Ordinal) => "custom." + target["extra.".Length..],
        _ => DhoMapping.ToIdf(target) ?? (required ? null : "custom." + target),
    };
}
