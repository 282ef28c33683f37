using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Runtime;

/// <summary>
/// Generates the JSON Schema (draft 2020-12) of a program's YAML configuration file from its declaration and the
/// runtime's own options; committed as schema/programs/NAME.schema.json.
/// </summary>
public static class ProgramSchema
{
    static readonly IReadOnlyList<OptionInfo> RunSettings = OptionInfo.Of(typeof(RunOptions)).Where(o => !o.Attribute.CommandLineOnly).ToList();

    public static string Generate(ProgramInfo program)
    {
        var options = new JsonObject();
        // The program's options first: a runtime setting of the same name takes the key (RunCommand binds it first).
        foreach (var option in program.Options) Add(options, option);
        foreach (var option in RunSettings.Where(o => o.Name is not ("input" or "output"))) Add(options, option);
        // RunCommand translates IntelMQ's error_procedure into on_error.
        options["error_procedure"] = new JsonObject
        {
            ["enum"] = new JsonArray("pass", "stop"),
            ["description"] = "IntelMQ's error handling: pass dumps the message and goes on (retrying error_max_retries times first), stop stops. Prefer on_error.",
        };
        if (program.Kind == ProgramKind.Collector)
            foreach (var (key, schema) in CollectorSettingsKeys()) options[key] = schema;
        foreach (var (key, reason) in OptionBinder.IntelMQParametersNotImplemented.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!options.ContainsKey(key))
                options[key] = new JsonObject { ["description"] = $"IntelMQ parameter, accepted and not implemented: use {reason}.", ["deprecated"] = true };

        var parameters = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "The options nested as in IntelMQ's runtime.yaml; when present, other top-level keys but input and output are not read.",
            ["properties"] = options.DeepClone(),
            ["additionalProperties"] = false,
        };
        var properties = new JsonObject
        {
            ["input"] = new JsonObject { ["type"] = "string", ["description"] = Described("input"), ["default"] = "stdin:" },
            ["output"] = new JsonObject
            {
                ["description"] = Described("output") + " In the file: a URI, a list of URIs, or a mapping of path names to a URI or a list of URIs.",
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["type"] = "string" },
                    StringList(),
                    new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, StringList()) } }),
            },
            ["parameters"] = parameters,
        };
        foreach (var (key, value) in options) properties[key] = value!.DeepClone();

        var d = program.Declaration;
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://github.com/intelmq-net/intelmq-net/blob/main/schema/programs/{program.Name}.schema.json",
            ["title"] = $"{program.Name} configuration",
            ["description"] = $"{d.Summary} Replaces {string.Join(", ", d.Modules)}. The YAML file of `intelmq run {program.Name} --config FILE`; generated from the program's declaration, see `intelmq help {program.Name}`. Do not edit by hand.",
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        // Relaxed escaping keeps backquotes and apostrophes readable in the committed file.
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    // Read by CollectorSettings.Take, which has no options record to generate them from.
    static IEnumerable<(string Key, JsonObject Schema)> CollectorSettingsKeys()
    {
        JsonObject Of(string type, string description) => new() { ["type"] = type, ["description"] = description };
        yield return ("schedule", Of("string", "A cron expression saying when to collect, instead of every rate_limit seconds."));
        yield return ("schedule_jitter", Of("number", "A random delay of up to this many seconds before each collection."));
        yield return ("rate_limit", Of("number", "Seconds between two collections (default 300)."));
        yield return ("max_report_size", Of("integer", "The largest report in bytes."));
        foreach (var (key, field) in new[] { ("name", "feed.name"), ("feed", "feed.name"), ("provider", "feed.provider"), ("code", "feed.code"), ("documentation", "feed.documentation") })
            yield return (key, Of("string", $"The reports' {field}."));
        yield return ("accuracy", Of("number", "The reports' feed.accuracy (0 to 100)."));
    }

    static string Described(string name) => RunSettings.First(o => o.Name == name).Description;

    static void Add(JsonObject properties, OptionInfo option)
    {
        var schema = Describe(option);
        properties[option.Name] = schema;
        foreach (var alias in option.Aliases)
        {
            var copy = schema.DeepClone().AsObject();
            copy["description"] = $"IntelMQ's name for {option.Name}. {option.Description}";
            // IntelMQ writes its values in capitals (logging_level: INFO); the binder ignores case.
            if (copy["enum"] is JsonArray values)
                foreach (var value in values.Select(v => v?.GetValue<string>()).OfType<string>().ToList()) values.Add(value.ToUpperInvariant());
            properties[alias] = copy;
        }
    }

    static JsonObject Describe(OptionInfo option)
    {
        var nullable = Nullable.GetUnderlyingType(option.Type) is not null || (!option.Type.IsValueType && option.Default is null);
        var type = Nullable.GetUnderlyingType(option.Type) ?? option.Type;
        var schema = new JsonObject();
        if (type.IsEnum)
        {
            var names = new JsonArray(Enum.GetNames(type).Select(n => (JsonNode?)n.ToLowerInvariant()).ToArray());
            if (nullable) names.Add(null);
            schema["enum"] = names;
        }
        else
        {
            string json = type switch
            {
                _ when type == typeof(string) || type == typeof(Secret) => "string",
                _ when type == typeof(bool) => "boolean",
                _ when type == typeof(int) || type == typeof(long) => "integer",
                _ when type == typeof(double) => "number",
                // The binder takes a text too: split at the option's separator, or as one item.
                _ when type == typeof(string[]) => "array",
                // A mapping; IntelMQ also takes it as a string holding a JSON object.
                _ when type == typeof(IReadOnlyDictionary<string, string>) => "object",
                _ => throw new InvalidOperationException($"option {option.Name}: no JSON Schema type for {type.Name}."),
            };
            var types = json is "array" or "object" ? new JsonArray(json, "string") : new JsonArray(json);
            foreach (var also in option.Attribute.AlsoAccepts)
                if (!types.Any(t => t!.GetValue<string>() == also)) types.Add(also);
            if (nullable) types.Add("null");
            schema["type"] = types.Count == 1 ? json : types;
            if (json == "array" || option.Attribute.AlsoAccepts.Contains("array")) schema["items"] = new JsonObject { ["type"] = "string" };
            if (json == "object") schema["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean", "null") };
        }
        if (option.Attribute.Min != double.MinValue) schema["minimum"] = Number(option.Attribute.Min);
        if (option.Attribute.Max != double.MaxValue) schema["maximum"] = Number(option.Attribute.Max);
        if (option.Default is not Secret) schema["default"] = Default(option.Default);
        schema["description"] = option.Description;
        return schema;
    }

    static JsonNode? Default(object? value) => value switch
    {
        null => null,
        Enum e => e.ToString().ToLowerInvariant(),
        string[] list => new JsonArray(list.Select(s => (JsonNode?)s).ToArray()),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        double n => Number(n),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    // 1 rather than 1.0, so that integer bounds read as integers.
    static JsonNode Number(double n) => Math.Floor(n) == n && Math.Abs(n) < 1e15 ? JsonValue.Create((long)n) : JsonValue.Create(n);

    static JsonObject StringList() => new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } };
}
