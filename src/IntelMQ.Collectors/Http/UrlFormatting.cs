using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>
/// IntelMQ's http_url_formatting: <c>{time[%Y-%m-%d]}</c> in a URL becomes the local time in that strftime format,
/// shifted by a Python timedelta (<c>{"days": -1}</c> for yesterday); <c>{{</c> and <c>}}</c> are braces.
/// </summary>
public sealed partial class UrlFormatting
{
    static readonly Dictionary<string, double> TimedeltaUnits = new()
    {
        ["weeks"] = 7 * 86400, ["days"] = 86400, ["hours"] = 3600, ["minutes"] = 60, ["seconds"] = 1, ["milliseconds"] = 1e-3, ["microseconds"] = 1e-6,
    };

    readonly string _template;
    readonly TimeSpan _shift;

    UrlFormatting(string template, TimeSpan shift)
    {
        _template = template;
        _shift = shift;
    }

    /// <summary>The formatting a parameter asks for: null for false (the URL is taken as it is), else with its shift.</summary>
    /// <param name="formatting">false, true, or a timedelta as JSON ({"days": -1}).</param>
    /// <exception cref="ConfigurationException">A value that is none of these, or a placeholder other than time[FORMAT].</exception>
    public static UrlFormatting? Parse(string url, string? formatting, string option, string owner)
    {
        var shift = TimeSpan.Zero;
        switch (formatting?.Trim().ToLowerInvariant())
        {
            case null or "" or "false" or "no" or "0" or "null":
                return null;
            case "true" or "yes" or "1":
                break;
            default:
                shift = Timedelta(formatting, option, owner);
                break;
        }
        var result = new UrlFormatting(url, shift);
        result.Format(DateTimeOffset.UnixEpoch, owner);
        return result;
    }

    /// <summary>The URL for <paramref name="now"/> (local time; the shift is applied).</summary>
    public string Format(DateTimeOffset now, string owner = "") =>
        Placeholder().Replace(_template, m => m.Value switch
        {
            "{{" => "{",
            "}}" => "}",
            _ when m.Groups[1].Success => Strftime(m.Groups[1].Value, now + _shift, owner),
            _ => throw new ConfigurationException($"{owner}: the URL's placeholder {m.Value} is not time[FORMAT]; with http_url_formatting, write literal braces as {{{{ and }}}}."),
        });

    static TimeSpan Timedelta(string json, string option, string owner)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var seconds = 0.0;
            foreach (var unit in document.RootElement.EnumerateObject())
                seconds += TimedeltaUnits.TryGetValue(unit.Name, out var factor) && Number(unit.Value) is { } n ? n * factor
                    : throw new ConfigurationException($"{owner}: {option}: '{unit.Name}: {unit.Value}' is not a timedelta of {string.Join(", ", TimedeltaUnits.Keys)}.");
            return TimeSpan.FromSeconds(seconds);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ConfigurationException($"{owner}: {option} must be true, false or a timedelta such as {{\"days\": -1}}; got '{json}'.");
        }
    }

    // A YAML mapping arrives with its numbers as text.
    static double? Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    // Python's strftime directives as C's "C" locale writes them.
    static string Strftime(string format, DateTimeOffset moment, string owner)
    {
        var time = moment.DateTime;
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                text.Append(format[i]);
                continue;
            }
            var c = CultureInfo.InvariantCulture;
            text.Append(format[++i] switch
            {
                'Y' => time.Year.ToString("0000", c),
                'y' => time.ToString("yy", c),
                'm' => time.ToString("MM", c),
                'd' => time.ToString("dd", c),
                'e' => time.Day.ToString(c).PadLeft(2),
                'H' => time.ToString("HH", c),
                'I' => time.ToString("hh", c),
                'M' => time.ToString("mm", c),
                'S' => time.ToString("ss", c),
                'f' => time.ToString("ffffff", c),
                'p' => time.ToString("tt", c),
                'j' => time.DayOfYear.ToString("000", c),
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'b' or 'h' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'u' => (time.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)time.DayOfWeek).ToString(c),
                'V' => ISOWeek.GetWeekOfYear(time).ToString("00", c),
                'G' => ISOWeek.GetYear(time).ToString("0000", c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                's' => moment.ToUnixTimeSeconds().ToString(c),
                '%' => "%",
                var other => throw new ConfigurationException($"{owner}: the URL's time format '{format}' uses %{other}, which is not supported; use %Y %m %d %H %M %S %y %j %b %B %a %A %p %f %e %F %T %V %G %u %w or %%."),
            });
        }
        return text.ToString();
    }

    [GeneratedRegex(@"\{\{|\}\}|\{time\[([^\]]*)\]\}|\{[^{}]*\}")]
    private static partial Regex Placeholder();
}
