using System.Globalization;

namespace IntelMQ.Experts.Common;

/// <summary>IntelMQ's relative times ('10 hours', '1 week', '2 months'); a month is 30 days and a year 365, as IntelMQ counts them.</summary>
static class RelativeTime
{
    public static bool TryParse(string text, out TimeSpan span)
    {
        span = default;
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
        double? unit = parts[1].ToLowerInvariant() switch
        {
            "s" or "sec" or "second" or "seconds" => 1,
            "m" or "min" or "minute" or "minutes" => 60,
            "h" or "hour" or "hours" => 3600,
            "d" or "day" or "days" => 86_400,
            "w" or "week" or "weeks" => 7 * 86_400,
            "month" or "months" => 30 * 86_400,
            "y" or "year" or "years" => 365 * 86_400,
            _ => null,
        };
        if (unit is null || double.IsNaN(n) || Math.Abs(n * unit.Value) > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        span = TimeSpan.FromSeconds(n * unit.Value);
        return true;
    }

    /// <summary>A timestamp as IntelMQ writes them, or a date with an optional time, read as UTC when it names no zone.</summary>
    public static bool TryParseAbsolute(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
