using System.Globalization;

namespace IntelMQ.Core;

/// <summary>Parses the timestamp formats feeds use and writes RFC 3339 in UTC, the way IntelMQ writes them.</summary>
public static class Timestamps
{
    static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyyMMdd'T'HHmmss'Z'",
        "yyyy/MM/dd HH:mm:ss", "yyyy/MM/dd", "ddd, dd MMM yyyy HH:mm:ss zzz", "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
        "dd MMM yyyy HH:mm:ss", "MMM d yyyy HH:mm:ss", "ddd MMM d HH:mm:ss yyyy",
    ];

    /// <summary>Reads a timestamp; a value without an offset is taken as UTC.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        text = text.Trim();
        if (text.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase) || text.EndsWith(" GMT", StringComparison.Ordinal))
            text = text[..^4].TrimEnd();
        // "+00" and "+0000" offsets are common in feeds; .NET wants "+00:00".
        Span<char> buffer = stackalloc char[text.Length + 3];
        text.CopyTo(buffer);
        var length = text.Length;
        if (length > 10 && text[10] is 'T' or ' ')
        {
            var sign = text.LastIndexOfAny('+', '-');
            if (sign > 10)
            {
                var offset = text[(sign + 1)..];
                if (offset.Length == 2 && IsDigits(offset)) { ":00".CopyTo(buffer[length..]); length += 3; }
                else if (offset.Length == 4 && IsDigits(offset))
                {
                    buffer[sign + 3] = ':';
                    offset[2..].CopyTo(buffer[(sign + 4)..]);
                    length++;
                }
            }
        }
        return DateTimeOffset.TryParseExact(buffer[..length], Formats, CultureInfo.InvariantCulture,
                   DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out value)
               || DateTimeOffset.TryParse(buffer[..length], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)
                  && text.IndexOfAny("0123456789") >= 0 && HasYear(text);
    }

    /// <summary>RFC 3339 in UTC with a <c>+00:00</c> offset, microseconds only when present (IntelMQ's isoformat).</summary>
    public static string Format(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var micros = utc.Ticks % TimeSpan.TicksPerSecond / 10;
        return micros == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
    }

    static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    // The lenient fallback parser fills a missing year with the current one; a feed's "Jan 5" is not a timestamp.
    static bool HasYear(ReadOnlySpan<char> s)
    {
        var run = 0;
        foreach (var c in s)
        {
            run = char.IsAsciiDigit(c) ? run + 1 : 0;
            if (run == 4) return true;
        }
        return false;
    }
}
