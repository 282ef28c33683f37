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

    /// <summary>Longer than any timestamp of <see cref="TryParse"/>'s formats (with surrounding blanks): longer text is not one.</summary>
    public const int MaxLength = 64;

    /// <summary>Reads a timestamp; a value without an offset is taken as UTC. Text longer than <see cref="MaxLength"/> is refused.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length > MaxLength) return false;
        text = text.Trim();
        if (text.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase) || text.EndsWith(" GMT", StringComparison.Ordinal))
            text = text[..^4].TrimEnd();
        if (TryParseSimple(text, out value)) return true;
        // "+00" and "+0000" offsets are common in feeds; .NET wants "+00:00".
        Span<char> buffer = stackalloc char[MaxLength + 3];
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
        if (micros != 0) return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
        return string.Create(25, utc, static (chars, t) =>
        {
            "0000-00-00T00:00:00+00:00".CopyTo(chars);
            Digits(chars[..4], t.Year);
            Digits(chars[5..7], t.Month);
            Digits(chars[8..10], t.Day);
            Digits(chars[11..13], t.Hour);
            Digits(chars[14..16], t.Minute);
            Digits(chars[17..19], t.Second);
        });
    }

    /// <summary>
    /// The canonical form of a timestamp (<see cref="Format"/> of <see cref="TryParse"/>), or null when it is not one;
    /// text that is canonical already comes back as it is.
    /// </summary>
    internal static string? Normalize(string text)
    {
        if (text.Length == 25 && text.AsSpan(19).SequenceEqual("+00:00") && text[10] == 'T' && TryParseSimple(text.AsSpan(0, 19), out _))
            return text;
        // With microseconds, as Format writes a value that has them (never six zeros).
        if (text.Length == 32 && text[19] == '.' && text.AsSpan(26).SequenceEqual("+00:00") && text[10] == 'T' && IsDigits(text.AsSpan(20, 6))
            && !text.AsSpan(20, 6).SequenceEqual("000000") && TryParseSimple(text.AsSpan(0, 19), out _))
            return text;
        return TryParse(text, out var value) ? Format(value) : null;
    }

    // The format nearly every feed uses, "2024-05-01 12:00:00" or with a T, parsed without the general parser
    // (which tries the formats one after the other). Anything else, or an impossible date, is left to TryParse.
    static bool TryParseSimple(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 19 || s[4] != '-' || s[7] != '-' || s[10] is not (' ' or 'T') || s[13] != ':' || s[16] != ':') return false;
        if (!TwoDigits(s, 0, out var century) || !TwoDigits(s, 2, out var yy) || !TwoDigits(s, 5, out var month) || !TwoDigits(s, 8, out var day)
            || !TwoDigits(s, 11, out var hour) || !TwoDigits(s, 14, out var minute) || !TwoDigits(s, 17, out var second))
            return false;
        var year = century * 100 + yy;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    static bool TwoDigits(ReadOnlySpan<char> s, int at, out int value)
    {
        int high = s[at] - '0', low = s[at + 1] - '0';
        value = high * 10 + low;
        return (uint)high <= 9 && (uint)low <= 9;
    }

    static void Digits(Span<char> target, int value)
    {
        for (var i = target.Length - 1; i >= 0; i--, value /= 10) target[i] = (char)('0' + value % 10);
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
