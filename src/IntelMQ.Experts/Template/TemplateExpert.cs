using System.Globalization;
using Fluid;
using Fluid.Values;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Template;

/// <summary>Sets fields from templates over the event's other fields; IntelMQ's jinja expert, rendered with Fluid and a Jinja grammar.</summary>
[Program("template-expert", ProgramKind.Expert, "Sets fields from Jinja2 templates over the event (IntelMQ's jinja expert, rendered with Fluid).",
    Modules = ["intelmq.bots.experts.jinja.expert"],
    Options = typeof(TemplateExpertOptions),
    Description = """
        For each entry of fields, renders its template with the event as `msg` (keyed by IntelMQ names:
        msg['source.ip'], msg['extra.tag']) and writes the text to the field. A field the event already has is kept
        unless overwrite=true. A template starting with file:/// is read from that file at start. Templates are
        parsed once, at start: a syntax error stops the start with the field and the cause.

        Templates are Jinja2, the subset IntelMQ's templates use, rendered by Fluid with a Jinja grammar on top:
        `{{ msg['x'] }}`, attributes and indexes (`loop.last`, `d['k']`), `{% set name = expr %}` with dict and list
        literals (`{'server.ip': 'source.ip'}`, `['a', 'b']`), `{% if %}`/`{% elif %}`/`{% else %}` with Jinja's truth
        (an empty text, list or dict, 0 and None are false), `not`, `and`, `or`, comparisons, `{% for x in seq %}` and
        `{% for key, value in d.items() %}` with `loop.index`, `index0`, `revindex`, `first`, `last`, `length` and
        `{% else %}`, the methods items(), keys(), values(), get(), lower(), upper(), strip(), startswith(), endswith(),
        split() and replace(), filters with arguments in parentheses (`| default('x')`, `| join(', ')`, `| replace('a',
        'b')`) including Jinja's upper, lower, title, capitalize, length, trim, int and string, whitespace control
        (`{%-`, `-%}`), and one trailing newline of the template dropped as Jinja does. Liquid's own forms (`assign`,
        `forloop`, `filter: arg`) work too. Refused at start with the line and column: `{# comments #}`, other methods,
        `set` blocks, tests (`is defined`), inline `x if c else y`, arithmetic and `~`, macros and imports of Jinja.
        A value a field refuses (text where a number goes) leaves the field as it was, and a template that fails on an
        event sends that event to the dump with the cause.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run intelmq.bots.experts.jinja.expert --set 'fields={\"feed.url\": \"{{ msg[\\u0027feed.url\\u0027] | upper }}\"}' --set overwrite=true < events.jsonl",
        "intelmq run template-expert --set 'fields={\"extra.summary\": \"file:///etc/intelmq/summary.j2\"}' < events.jsonl",
    ])]
public sealed class TemplateExpert : IExpert
{
    const string Program = "template-expert";
    static readonly JinjaParser Parser = new();

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
        _options.Filters.AddFilter("length", (input, _, context) => NumberValue.Create(input switch
        {
            ArrayValue array => array.Values.Count,
            DictionaryValue dictionary => dictionary.Enumerate(context).Count(),
            _ => input.IsNil() ? 0 : input.ToStringValue().Length,
        }));
        _options.Filters.AddFilter("trim", (input, _, _) => new StringValue(input.ToStringValue().Trim()));
        _options.Filters.AddFilter("string", (input, _, _) => new StringValue(input.ToStringValue()));
        _options.Filters.AddFilter("int", (input, _, _) => NumberValue.Create(
            decimal.TryParse(input.ToStringValue(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? decimal.Truncate(number) : 0));
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
        // Jinja drops one newline at the end of a template (keep_trailing_newline is off in IntelMQ's environment).
        if (text.EndsWith('\n')) text = text[..^(text.EndsWith("\r\n", StringComparison.Ordinal) ? 2 : 1)];
        var comment = text.IndexOf("{#", StringComparison.Ordinal);
        if (comment >= 0)
        {
            var line = text.AsSpan(0, comment).Count('\n') + 1;
            var column = comment - (comment == 0 ? 0 : text.LastIndexOf('\n', comment - 1) + 1) + 1;
            throw new ConfigurationException($"{Program}: option 'fields', field '{field}': {source} line {line} column {column}: Jinja comments {{# ... #}} are not supported; use {{% comment %}}...{{% endcomment %}}.");
        }
        return Parser.TryParse(text, out var template, out var error) ? template
            : throw new ConfigurationException($"{Program}: option 'fields', field '{field}': {source} is not a valid template: {error}");
    }
}
