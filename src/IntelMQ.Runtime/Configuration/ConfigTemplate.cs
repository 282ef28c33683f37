using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// Renders a configuration file as a Liquid template (Fluid) before it is read as YAML, once, at load:
/// <c>{{ env.NAME }}</c>, <c>{{ env.NAME | default: "x" }}</c>, <c>{{ "/run/secrets/db" | file }}</c> (a file's content,
/// the final newline removed) and <c>{{ env.TOKEN | secret }}</c>. Values from <c>file</c> and <c>secret</c> are secrets:
/// a masked rendering (for <c>config render</c>) shows <c>***</c> in their place, so they are never printed.
/// </summary>
public static partial class ConfigTemplate
{
    public const string Mask = "***";

    static readonly FluidParser Parser = new();

    /// <summary>
    /// The rendered text (unset variables and unreadable files left empty, and reported in <paramref name="problems"/>,
    /// so that the rest of the file is still checked), or null when the template cannot be parsed or rendered.
    /// </summary>
    /// <param name="directory">Relative paths given to <c>file</c> are relative to it (the configuration file's directory).</param>
    public static string? Render(string text, string file, string directory, bool masked, ICollection<ConfigDiagnostic> problems)
    {
        // Most files use no template at all; they are read as they are.
        if (!text.Contains("{{", StringComparison.Ordinal) && !text.Contains("{%", StringComparison.Ordinal)) return text;
        if (!Parser.TryParse(text, out var template, out var error))
        {
            problems.Add(new(file, LineOf(error), $"not a valid template: {error}. Write {{{{ env.NAME }}}}, {{{{ env.NAME | default: \"x\" }}}} or {{{{ \"/path\" | file }}}}; a literal {{{{ goes inside {{% raw %}}...{{% endraw %}}."));
            return null;
        }
        var missing = new List<string>();
        var unreadable = new List<string>();
        var options = new TemplateOptions { CultureInfo = CultureInfo.InvariantCulture };
        options.Filters.AddFilter("file", (input, _, _) =>
        {
            var path = input.ToStringValue();
            if (masked) return new StringValue(Mask);
            try
            {
                return new StringValue(File.ReadAllText(Path.Combine(directory, path)).TrimEnd('\r', '\n'));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                unreadable.Add($"{path} ({ex.Message})");
                return new StringValue("");
            }
        });
        options.Filters.AddFilter("secret", (input, _, _) => masked && !input.IsNil() ? new StringValue(Mask) : input);
        var context = new TemplateContext(options);
        context.SetValue("env", new EnvironmentValue(missing));
        string rendered;
        try
        {
            rendered = template.Render(context, NullEncoder.Default);
        }
        catch (Exception ex) when (ex is ParseException or InvalidOperationException or ArgumentException)
        {
            problems.Add(new(file, 0, $"the template cannot be rendered: {ex.Message}"));
            return null;
        }
        foreach (var name in missing.Distinct())
            problems.Add(new(file, LineMentioning(text, "env." + name), $"the environment variable {name} is not set and has no default: set it, or write {{{{ env.{name} | default: \"VALUE\" }}}}."));
        foreach (var path in unreadable.Distinct())
            problems.Add(new(file, LineMentioning(text, path.Split(' ')[0]), $"the file {path} cannot be read for `| file`: create it or correct the path (relative paths are relative to {directory})."));
        return rendered;
    }

    static int LineOf(string? error) => error is not null && LinePosition().Match(error) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    static int LineMentioning(string text, string needle)
    {
        var index = text.IndexOf(needle, StringComparison.Ordinal);
        return index < 0 ? 0 : text.AsSpan(0, index).Count('\n') + 1;
    }

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex LinePosition();

    /// <summary><c>env</c>: the process environment; an unset variable is nil for <c>default</c>, and an error when written out.</summary>
    sealed class EnvironmentValue(List<string> missing) : ObjectValueBase(new object())
    {
        public override ValueTask<FluidValue> GetValueAsync(string name, TemplateContext context) =>
            new(Environment.GetEnvironmentVariable(name) is { } value ? new StringValue(value) : new UnsetValue(name, missing));
    }

    sealed class UnsetValue(string name, List<string> missing) : FluidValue
    {
        public override FluidValues Type => FluidValues.Nil;
        public override bool IsNil() => true;
        public override bool Equals(FluidValue other) => other.IsNil();
        public override bool ToBooleanValue() => false;
        public override decimal ToNumberValue() => 0;
        public override string ToStringValue() => "";
        public override object? ToObjectValue() => null;

        public override ValueTask WriteToAsync(TextWriter writer, TextEncoder encoder, CultureInfo cultureInfo)
        {
            missing.Add(name);
            return ValueTask.CompletedTask;
        }
    }
}
