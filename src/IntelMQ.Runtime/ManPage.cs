using System.Globalization;
using System.Text;

namespace IntelMQ.Runtime;

/// <summary>Renders a program's declaration as a man page (Markdown): for `intelmq help` and docs/programs/.</summary>
public static class ManPage
{
    public static string Render(ProgramInfo program)
    {
        var d = program.Declaration;
        var sb = new StringBuilder();
        sb.Append("# ").Append(program.Name).Append("\n\n");
        sb.Append(d.Summary).Append("\n\n");
        sb.Append("Kind: ").Append(program.Kind.ToString().ToLowerInvariant()).Append("  \n");
        if (d.Modules.Length > 0) sb.Append("Replaces IntelMQ module: ").Append(string.Join(", ", d.Modules.Select(m => $"`{m}`"))).Append('\n');
        sb.Append("\n## Synopsis\n\n```\n");
        sb.Append("intelmq run ").Append(program.Name).Append(" [--config FILE] [--set KEY=VALUE]...");
        foreach (var o in RunFlags.Where(o => o.Name != "raw" || program.Kind == ProgramKind.Parser))
            sb.Append(' ').Append(Synopsis(o));
        sb.Append("\n```\n\n## Description\n\n").Append(d.Description.Trim()).Append("\n\n## Options\n\n");
        if (program.Options.Count == 0) sb.Append("None.\n\n");
        else
        {
            sb.Append("| option | type | default | description |\n|---|---|---|---|\n");
            foreach (var o in program.Options)
            {
                var names = string.Join(", ", o.Aliases.Prepend(o.Name).Select(n => $"`{n}`"));
                sb.Append(CultureInfo.InvariantCulture, $"| {names} | {Cell(o.TypeName)} | {Cell(Show(o.Default))} | {Cell(o.Description)} |\n");
            }
            sb.Append('\n');
        }
        sb.Append("Options are given with `--set NAME=VALUE` (VALUE is read as JSON when it parses as JSON, otherwise as text) or in the YAML file named by `--config`. IntelMQ's names are accepted too; IntelMQ's framework parameters (logging_level, rate_limit, ...) are accepted and left to the runtime. In a workflow, an instance's file `config.d/ID.yaml` names the program and gives its options under `options:`; `intelmq run ID` runs it and `intelmq configtest` checks it (docs/configuration.md).\n\n");
        sb.Append("## Fields\n\nRead: ").Append(Fields(d.FieldsRead)).Append("  \nWritten: ").Append(Fields(d.FieldsWritten)).Append("\n\n");
        sb.Append("Channels (`--input`, `--output`, also `input:`/`output:` in the config file) are described in docs/channels.md.\n\n");
        sb.Append("## Exit status\n\n0 when every message was processed, 1 when some went to the dump (see `--dump`), 2 when the configuration or usage was refused (at start, before anything was processed; or mid-run, by a server that refuses what the configuration asks, such as a missing table or a refused login, after acknowledging only what was written), 3 when the program stopped on an error with `--on-error stop`, 4 when a channel's server could not be reached at start (daemons wait for it instead).\n\n");
        if (d.Examples.Length > 0)
        {
            sb.Append("## Examples\n\n```\n");
            foreach (var e in d.Examples) sb.Append(e).Append('\n');
            sb.Append("```\n");
        }
        return sb.ToString();
    }

    static readonly IReadOnlyList<OptionInfo> RunFlags = OptionInfo.Of(typeof(RunOptions));

    static string Synopsis(OptionInfo o)
    {
        var flag = "--" + o.Name.Replace('_', '-');
        var value = o.Type == typeof(bool) ? "" : " " + ((Nullable.GetUnderlyingType(o.Type) ?? o.Type).IsEnum ? o.TypeName.Replace(" ", "", StringComparison.Ordinal) : o.TypeName switch
        {
            "integer" or "number" => "N",
            _ => o.Name == "output" ? "[PATH=]URI" : o.Name == "input" ? "URI" : "VALUE",
        });
        return $"[{flag}{value}]" + (o.Type == typeof(string[]) ? "..." : "");
    }

    static string Fields(string[] fields) => fields.Length == 0 ? "none" : string.Join(", ", fields.Select(f => $"`{f}`"));

    static string Show(object? value) => value switch
    {
        null => "(none)",
        string s => $"`{s}`",
        bool b => b ? "`true`" : "`false`",
        Enum e => $"`{e.ToString().ToLowerInvariant()}`",
        string[] list => $"`[{string.Join(", ", list)}]`",
        _ => $"`{Convert.ToString(value, CultureInfo.InvariantCulture)}`",
    };

    // A pipe inside a table cell (an enumeration's "a | b") would end the cell.
    static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
