using System.Globalization;
using System.Text.RegularExpressions;
using Fluid;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Mail;

/// <summary>
/// A Liquid template (Fluid) of mail-output: <c>event</c> (the mail's first event, by IntelMQ and IDF field names),
/// <c>events</c>, <c>count</c> and <c>recipient</c>. IntelMQ's smtp output's Python formats (<c>{ev[source.asn]}</c>)
/// are read as <c>{{ event['source.asn'] }}</c>.
/// </summary>
internal sealed partial class MailTemplate
{
    static readonly FluidParser Parser = new();
    static readonly TemplateOptions Options = new();
    readonly IFluidTemplate _template;

    MailTemplate(IFluidTemplate template) => _template = template;

    /// <exception cref="ConfigurationException">The text is not a template; the message names the option.</exception>
    public static MailTemplate Parse(string option, string text)
    {
        var liquid = PythonField().Replace(text, m => $"{{{{ event['{m.Groups[1].Value}'] }}}}");
        if (!Parser.TryParse(liquid, out var template, out var error))
            throw new ConfigurationException($"mail-output: option '{option}' is not a valid Liquid template: {error}. See docs/outputs.md for the template syntax.");
        return new MailTemplate(template);
    }

    public string Render(IReadOnlyList<Event> events, string recipient)
    {
        var context = new TemplateContext(Options);
        context.SetValue("event", Fields(events[0]));
        var all = new List<Dictionary<string, object>>(events.Count);
        foreach (var ev in events) all.Add(Fields(ev));
        context.SetValue("events", all);
        context.SetValue("count", events.Count);
        context.SetValue("recipient", recipient);
        return _template.Render(context);
    }

    /// <summary>An event's fields under their IntelMQ names (raw is the original text) and their IDF paths.</summary>
    static Dictionary<string, object> Fields(Event ev)
    {
        var fields = new Dictionary<string, object>(ev.Count * 2, StringComparer.Ordinal);
        foreach (var (path, value) in ev.Fields)
        {
            if (value is null) continue;
            object shown = value is string or long or double or bool ? value : IntelMQFields.Text(value);
            fields[path] = shown;
            fields[IntelMQFields.Name(path)] = shown;
        }
        return fields;
    }

    /// <summary>strftime's common codes in a rendered subject or file name (IntelMQ's smtp_batch writes "%Y-%m-%d" there).</summary>
    public static string Strftime(string text, DateTimeOffset now) => StrftimeCode().Replace(text, m => m.Value[1] switch
    {
        'Y' => now.ToString("yyyy", CultureInfo.InvariantCulture),
        'y' => now.ToString("yy", CultureInfo.InvariantCulture),
        'm' => now.ToString("MM", CultureInfo.InvariantCulture),
        'd' => now.ToString("dd", CultureInfo.InvariantCulture),
        'H' => now.ToString("HH", CultureInfo.InvariantCulture),
        'M' => now.ToString("mm", CultureInfo.InvariantCulture),
        'S' => now.ToString("ss", CultureInfo.InvariantCulture),
        _ => "%",
    });

    [GeneratedRegex(@"\{ev\[([^\]\}]+)\]\}")]
    private static partial Regex PythonField();

    [GeneratedRegex("%[YymdHMS%]")]
    private static partial Regex StrftimeCode();
}
