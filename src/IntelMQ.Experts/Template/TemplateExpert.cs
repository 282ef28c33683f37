using System.Globalization;
using Fluid;
using Fluid.Values;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Template;

/// <summary>Sets fields from templates over the event's other fields; IntelMQ's jinja expert, rendered with Fluid (Liquid).</summary>
[Program("template-expert", ProgramKind.Expert, "Sets fields from Liquid templates over the event (IntelMQ's jinja expert, rendered with Fluid).",
    Modules = ["intelmq.bots.experts.jinja.expert"],
    Options = typeof(TemplateExpertOptions),
    Description = """
        For each entry of fields, renders its template with the event as `msg` (keyed by IntelMQ names:
        msg['source.ip'], msg['extra.tag']) and writes the text to the field. A field the event already has is kept
        unless overwrite=true. A template starting with file:/// is read from that file at start. Templates are
        parsed once, at start: a syntax error stops the start with the field and the cause.

        Templates are Liquid (Fluid), not Jinja. What IntelMQ's Jinja templates commonly use works:
        `{{ msg['x'] }}`, `{% if msg['x'] %}...{% else %}...{% endif %}`, `{% for %}`, filters such as `| upper`,
        `| lower`, `| default: 'v'`. What differs: filter arguments follow a colon (`| replace: 'a', 'b'`, not
        `replace('a', 'b')`); Liquid has `forloop.last` where Jinja has `loop.last`, `assign` where Jinja has `set`,
        `unless` or `!=` instead of `not`; there are no dictionary literals, method calls (`.items()`, `.split()`)
        or Python expressions. `upper`, `lower`, `capitalize` and `title` are given their Jinja names; Liquid's own
        (`upcase`, `downcase`) work as well. A value a field refuses (text where a number goes) leaves the field as
        it was, and a template that fails on an event sends that event to the dump with the cause.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run intelmq.bots.experts.jinja.expert --set 'fields={\"feed.url\": \"{{ msg[\\u0027feed.url\\u0027] | upper }}\"}' --set overwrite=true < events.jsonl",
        "intelmq run template-expert --set 'fields={\"extra.summary\": \"file:///etc/intelmq/summary.liquid\"}' < events.jsonl",
    ])]
public sealed class TemplateExpert : IExpert
{
    const string Program = "template-expert";
    static readonly FluidParser Parser = new();

    readonly (string Path, IFluidTemplate Template)[] _fields;
    readonly TemplateOptions _options = new();
    readonly bool _overwrite;

    public TemplateExpert(TemplateExpertOptions options)
    {
        if (options.Fields is not { Count: > 0 } fields)
            throw new ConfigurationException($"{Program}: option 'fields' is empty: give the fields to set and their templates, e.g. {{\"extra.note\": \"{{{{ msg['source.ip'] }}}}\"}}.");
        _fields = [.. fields.Select(f => (IntelMQFields.Require(Program, "fields", f.Key), Parse(f.Key, f.Value)))];
        _overwrite = options.Overwrite;
        // Jinja's names for the filters IntelMQ templates use most.
        _options.Filters.AddFilter("upper", (input, _, _) => new StringValue(input.ToStringValue().ToUpperInvariant()));
        _options.Filters.AddFilter("lower", (input, _, _) => new StringValue(input.ToStringValue().ToLowerInvariant()));
        _options.Filters.AddFilter("title", (input, _, _) => new StringValue(CultureInfo.InvariantCulture.TextInfo.ToTitleCase(input.ToStringValue().ToLowerInvariant())));
        _options.Filters.AddFilter("capitalize", (input, _, _) => input.ToStringValue() is { Length: > 0 } s
            ? new StringValue(char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()) : input);
    }

    public void Process(Event ev, IEmitter output)
    {
        var context = new TemplateContext(_options);
        context.SetValue("msg", Message(ev));
        foreach (var (path, template) in _fields)
            ev.TryAdd(path, template.Render(context, NullEncoder.Default), _overwrite);
        output.Emit(ev);
    }

    /// <summary>The event keyed by IntelMQ names, as IntelMQ's templates see it.</summary>
    static Dictionary<string, object?> Message(Event ev)
    {
        var message = new Dictionary<string, object?>(ev.Count, StringComparer.Ordinal);
        foreach (var (path, value) in ev.Fields)
            message[DhoMapping.ToDho(path) ?? path] = value;
        return message;
    }

    static IFluidTemplate Parse(string field, string text)
    {
        var source = "the template";
        if (text.StartsWith("file:///", StringComparison.Ordinal))
        {
            source = text["file://".Length..];
            try
            {
                text = File.ReadAllText(source);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{Program}: option 'fields', field '{field}': cannot read {source}: {ex.Message}");
            }
        }
        return Parser.TryParse(text, out var template, out var error) ? template
            : throw new ConfigurationException($"{Program}: option 'fields', field '{field}': {source} is not a valid template: {error}");
    }
}
