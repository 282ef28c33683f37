using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// The JSON Schema (draft 2020-12) of a program's config.d file, committed as schema/config.d/NAME.schema.json for
/// editors; made from the program's <c>--config</c> schema (<see cref="ProgramSchema"/>), so both come from one declaration.
/// </summary>
public static class InstanceSchema
{
    static readonly string[] CollectorKeys = ["max_report_size", "name", "feed", "provider", "code", "documentation", "accuracy"];

    public static string Generate(ProgramInfo program)
    {
        var flat = JsonNode.Parse(ProgramSchema.Generate(program))!["properties"]!.AsObject();
        var collector = program.Kind == ProgramKind.Collector;
        var settings = InstanceLoader.Settings.Select(s => s.Name).ToHashSet();
        var options = new JsonObject();
        foreach (var key in program.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(collector ? CollectorKeys : []))
            options[key] = flat[key]!.DeepClone();
        // Accepted with a warning by configtest, so that converted files check.
        foreach (var (key, value) in flat)
            if (value?["deprecated"] is not null && !options.ContainsKey(key) && !settings.Contains(key)) options[key] = value.DeepClone();

        var modes = collector ? new JsonArray("continuous", "once", "interval", "cron") : new JsonArray("continuous", "once");
        var properties = new JsonObject
        {
            ["program"] = new JsonObject { ["enum"] = new JsonArray(program.Declaration.Modules.Prepend(program.Name).Select(m => (JsonNode?)m).ToArray()), ["description"] = "The program: our name or the IntelMQ module it replaces." },
            ["enabled"] = new JsonObject { ["type"] = "boolean", ["default"] = true, ["description"] = "false: the workflow runs without this instance." },
            ["description"] = new JsonObject { ["type"] = "string", ["description"] = "What this instance is for." },
            ["run_mode"] = new JsonObject { ["enum"] = modes, ["default"] = "continuous", ["description"] = "continuous: a daemon; once: one run to the end of its input" + (collector ? "; interval: every `interval` seconds; cron: at the times of `schedule`." : ".") },
        };
        if (collector)
        {
            properties["interval"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "With run_mode interval: seconds between two collections." };
            properties["schedule"] = new JsonObject { ["type"] = "string", ["description"] = "With run_mode cron: a cron expression (UTC), e.g. \"0 2 * * *\"." };
            properties["schedule_jitter"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["description"] = "A random delay of up to this many seconds before each collection." };
        }
        else properties["input"] = flat["input"]!.DeepClone();
        properties["output"] = flat["output"]!.DeepClone();
        foreach (var setting in InstanceLoader.Settings) properties[setting.Name] = flat[setting.Name]!.DeepClone();
        properties["options"] = new JsonObject
        {
            ["type"] = new JsonArray("object", "null"),
            ["description"] = $"{program.Name}'s options (`intelmq help {program.Name}`).",
            ["properties"] = options,
            ["additionalProperties"] = false,
        };
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://github.com/intelmq-net/intelmq-net/blob/main/schema/config.d/{program.Name}.schema.json",
            ["title"] = $"config.d file of a {program.Name} instance",
            ["description"] = $"{program.Declaration.Summary} One program instance of a workflow: $INTELMQ_HOME/etc/config.d/ID.yaml (docs/configuration.md). Generated from the program's declaration; do not edit by hand.",
            ["type"] = "object",
            ["required"] = new JsonArray("program"),
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
