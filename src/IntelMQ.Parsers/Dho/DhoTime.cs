using System.Globalization;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// IntelMQ's time formats of parser parameters (<c>time_format</c>): <c>timestamp</c>, <c>windows_nt</c>,
/// <c>epoch_millis</c>, <c>from_format|FORMAT</c>, <c>from_format_midnight|FORMAT</c>, <c>utc_isoformat</c>, and
/// null for a lenient parse of the common forms (month before day when a date is ambiguous, as dateutil reads it).
/// </summary>
public static class DhoTime
{
    static readonly string[] LenientFormats =
    [
        "dd/MMM/yyyy:HH:mm:ss zzz", "MM-dd-yyyy", "dd-MM-yyyy", "MM/dd/yyyy", "dd/MM/yyyy", "MM-dd-yyyy HH:mm:ss", "dd-MM-yyyy HH:mm:ss",
        "MM/dd/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "MM.dd.yyyy", "dd.MM.yyyy", "dd.MM.yyyy HH:mm:ss", "yyyyMMddHHmmss", "yyyyMMdd",
        "dd MMM yyyy", "MMM dd yyyy", "MMM d, yyyy", "d MMMM yyyy", "MMMM d, yyyy", "yyyy-MM-dd HH:mm:ss zzz", "ddd MMM d HH:mm:ss 'UTC' yyyy",
    ];

    /// <summary>Checks a time_format value; the message says what is accepted.</summary>
    public static string? Problem(string? format) => format switch
    {
        null or "" or "timestamp" or "windows_nt" or "epoch_millis" or "utc_isoformat" or "fuzzy" => null,
        _ when format.StartsWith("from_format|", StringComparison.Ordinal) || format.StartsWith("from_format_midnight|", StringComparison.Ordinal) => null,
        _ => $"'{format}' is not a time format: use timestamp, windows_nt, epoch_millis, utc_isoformat, from_format|FORMAT, from_format_midnight|FORMAT, or leave it out for lenient parsing",
    };

    /// <summary>The value as IntelMQ writes a time (RFC 3339 in UTC).</summary>
    /// <exception cref="FormatException">The value is not a time of that format.</exception>
    public static string Parse(string value, string? format)
    {
        var text = value.Trim();
        switch (format)
        {
            case null or "" or "fuzzy" or "utc_isoformat":
                return Lenient(text);
            case "timestamp":
                return FromSeconds(Number(text));
            case "epoch_millis":
                return FromSeconds(Number(text) / 1000);
            case "windows_nt":
                return WindowsNt(Number(text));
        }
        var bar = format.IndexOf('|');
        var midnight = format.StartsWith("from_format_midnight|", StringComparison.Ordinal);
        if (bar < 0) throw new FormatException(Problem(format));
        var parsed = StrpTime(text, format[(bar + 1)..]);
        return Timestamps.Format(midnight ? new DateTimeOffset(parsed.Date, TimeSpan.Zero) : parsed);
    }

    /// <summary>Common forms of a time, as dateutil reads them: a value without a zone is UTC, 01-02-2019 is January 2.</summary>
    /// <exception cref="FormatException">Not a time.</exception>
    public static string Lenient(string text)
    {
        if (text.Length > 0 && Timestamps.TryParse(text, out var t)) return Timestamps.Format(t);
        if (text.Length <= Timestamps.MaxLength
            && DateTimeOffset.TryParseExact(text, LenientFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out t))
            return Timestamps.Format(t);
        throw new FormatException($"'{(text.Length > 80 ? text[..80] + "..." : text)}' is not a time");
    }

    static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : throw new FormatException($"'{text}' is not a number");

    /// <summary>
    /// A Windows NT time (100 ns since 1601) as IntelMQ converts it: seconds = ticks * 1e-7 as a double, rounded to the
    /// microsecond, so that times are identical to IntelMQ's to the last digit.
    /// </summary>
    public static string WindowsNt(double ticks)
    {
        var seconds = ticks * 1e-7;
        if (!(seconds >= 0 && seconds < 265046774400)) throw new FormatException($"{ticks} is not a Windows NT time");
        var whole = Math.Floor(seconds);
        var micros = Math.Round((seconds - whole) * 1e6, MidpointRounding.ToEven);
        var time = new DateTimeOffset(1601, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(whole).AddTicks((long)micros * 10);
        return Timestamps.Format(time);
    }

    static string FromSeconds(double seconds)
    {
        if (seconds < -62135596800 || seconds > 253402300799) throw new FormatException($"{seconds} seconds since 1970 is out of range");
        var ticks = (long)Math.Round(seconds * 1e6) * 10;
        return Timestamps.Format(DateTimeOffset.UnixEpoch.AddTicks(ticks));
    }

    /// <summary>Python's strptime for the directives feeds use (%Y %m %d %H %M %S %f %z %b %B %a %A %y %p %I %Z %%).</summary>
    static DateTimeOffset StrpTime(string text, string pattern)
    {
        var styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces;
        // Python's %m, %d, %H, %M and %S also take one digit: the second, loose form allows it.
        foreach (var loose in new[] { false, true })
            if (DateTimeOffset.TryParseExact(text, NetFormat(pattern, loose), CultureInfo.InvariantCulture, styles, out var value)) return value;
        throw new FormatException($"'{text}' does not match the time format '{pattern}'");
    }

    static string NetFormat(string pattern, bool loose)
    {
        var net = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c != '%' || i + 1 == pattern.Length)
            {
                net.Append(char.IsAsciiLetter(c) ? $"'{c}'" : c is '\'' or '"' or '\\' or '%' ? $"\\{c}" : c.ToString());
                continue;
            }
            net.Append(pattern[++i] switch
            {
                'Y' => "yyyy", 'y' => "yy", 'm' => loose ? "M" : "MM", 'd' => loose ? "d" : "dd", 'H' => loose ? "H" : "HH", 'I' => "hh",
                'M' => loose ? "m" : "mm", 'S' => loose ? "s" : "ss", 'f' => "FFFFFF", 'z' => "zzz", 'b' => "MMM", 'B' => "MMMM", 'a' => "ddd",
                'A' => "dddd", 'p' => "tt", 'Z' => "'UTC'", '%' => "\\%",
                var d => throw new FormatException($"strptime directive %{d} is not supported"),
            });
        }
        return net.ToString();
    }
}
