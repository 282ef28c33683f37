using System.Globalization;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// The run settings of a collector, taken from its option values before they are bound: <c>schedule</c> (a cron
/// expression) or IntelMQ's <c>rate_limit</c> (seconds between runs), <c>schedule_jitter</c> (seconds),
/// <c>max_report_size</c> (bytes), and IntelMQ's feed parameters <c>name</c> (or the older <c>feed</c>),
/// <c>provider</c>, <c>accuracy</c>, <c>code</c> and <c>documentation</c>, which become every report's feed.* fields.
/// </summary>
public sealed record CollectorSettings(CollectorSchedule Schedule, long MaxReportSize, IReadOnlyDictionary<string, string> Feed)
{
    /// <summary>The daemon schedule when none is configured: IntelMQ's file collector's rate_limit.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(300);

    static readonly (string Key, string Field)[] FeedKeys =
    [
        ("feed", "feed.name"), ("name", "feed.name"), ("provider", "feed.provider"), ("accuracy", "feed.accuracy"),
        ("code", "feed.code"), ("documentation", "feed.documentation"),
    ];

    /// <summary>Removes the keys above from <paramref name="values"/> (so that binding the collector's options does not see them) and reads them.</summary>
    /// <exception cref="ConfigurationException">A value of the wrong type, or a feed value its field refuses.</exception>
    public static CollectorSettings Take(Dictionary<string, object?> values)
    {
        var jitter = TimeSpan.FromSeconds(Take(values, "schedule_jitter") is { } j ? Number(j, "schedule_jitter") : 0);
        var cron = Take(values, "schedule");
        var rateLimit = Take(values, "rate_limit");
        var schedule = cron is not null ? CollectorSchedule.Cron(cron, jitter)
            : CollectorSchedule.Every(rateLimit is not null ? TimeSpan.FromSeconds(Number(rateLimit, "rate_limit")) : DefaultInterval, jitter);
        var maxSize = Take(values, "max_report_size") is { } m ? (long)Number(m, "max_report_size") : CollectorHostOptions.DefaultMaxReportSize;
        if (maxSize < 1) throw new ConfigurationException($"max_report_size must be a number of bytes above 0, e.g. {CollectorHostOptions.DefaultMaxReportSize} (64 MB).");

        var feed = new Dictionary<string, string>(StringComparer.Ordinal);
        var check = new Event(MessageKind.Report);
        foreach (var (key, field) in FeedKeys)
        {
            if (Take(values, key) is not { } text) continue;
            if (!check.TryAdd(field, text, overwrite: true))
                throw new ConfigurationException($"{key}: '{text}' is not a valid {field}.");
            feed[field] = Convert.ToString(check[field], CultureInfo.InvariantCulture)!;
        }
        return new CollectorSettings(schedule, maxSize, feed);
    }

    static string? Take(Dictionary<string, object?> values, string key) =>
        !values.Remove(key, out var value) ? null
        : value switch
        {
            null or JsonElement { ValueKind: JsonValueKind.Null } => null,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } e => e.GetRawText(),
            JsonElement e => throw new ConfigurationException($"{key}: expected a single value, got {e.GetRawText()}."),
            string[] or System.Collections.IDictionary => throw new ConfigurationException($"{key}: expected a single value, not a list or mapping."),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };

    static double Number(string text, string key) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
        : throw new ConfigurationException($"{key}: '{text}' must be a number of at least 0.");
}
