using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// Converts an IntelMQ configuration — 3.x <c>runtime.yaml</c>, or 2.x <c>runtime.conf</c> with <c>pipeline.conf</c> and
/// <c>defaults.conf</c> beside it — into config.d files: modules to our programs, parameters to options, the Redis
/// queues kept (so the same queues carry on), <c>enabled</c>, <c>run_mode</c> and a collector's <c>rate_limit</c>
/// honoured. A bot we do not have is written disabled with its parameters; everything not mapped is a note saying why.
/// </summary>
public static class IntelMQImporter
{
    // Parameters that become the channel URIs or the run mode rather than options.
    static readonly HashSet<string> Consumed =
    [
        "source_queue", "destination_queues", "load_balance", "rate_limit", "bot_id", "enabled", "run_mode",
        "source_pipeline_broker", "source_pipeline_host", "source_pipeline_port", "source_pipeline_db", "source_pipeline_password",
        "destination_pipeline_broker", "destination_pipeline_host", "destination_pipeline_port", "destination_pipeline_db", "destination_pipeline_password",
        "error_procedure", "error_max_retries", "error_retry_delay", "logging_level", "instances_threads",
    ];

    static readonly string[] CollectorKeys = ["max_report_size", "name", "feed", "provider", "code", "documentation", "accuracy"];

    sealed record Bot(string Id, string? Module, Dictionary<string, object?> Parameters, bool Enabled, string RunMode, string? SourceQueue, Dictionary<string, string[]> Destinations);

    /// <param name="path">runtime.yaml, runtime.conf, or the directory holding them.</param>
    /// <exception cref="ConfigurationException">The input cannot be read or is not an IntelMQ configuration.</exception>
    public static IntelMQImport Import(string path, ProgramCatalog programs)
    {
        var bots = Read(path);
        var notes = new List<string>();
        var inputs = bots.ToDictionary(b => b.Id, b => b.SourceQueue ?? b.Id + "-queue");
        // IntelMQ's load_balance hands each message to one of the path's queues; here the queues' readers share the first one instead.
        var outputs = new Dictionary<string, Dictionary<string, string[]>>();
        foreach (var bot in bots)
        {
            outputs[bot.Id] = new(bot.Destinations);
            if (!Flag(bot.Parameters.GetValueOrDefault("load_balance"))) continue;
            foreach (var (name, queues) in bot.Destinations.Where(d => d.Value.Length > 1))
            {
                outputs[bot.Id][name] = [queues[0]];
                foreach (var reader in bots.Where(b => queues[1..].Contains(inputs[b.Id])))
                {
                    notes.Add($"{reader.Id}: reads {queues[0]} (shared with the other readers of {bot.Id}'s load-balanced path '{name}') instead of {inputs[reader.Id]}; "
                              + $"drain {inputs[reader.Id]} with IntelMQ first, or move its messages with `intelmq queue`.");
                    inputs[reader.Id] = queues[0];
                }
            }
        }
        var files = bots.Select(bot => (bot.Id, Convert(bot, inputs[bot.Id], outputs[bot.Id], programs, path, notes))).ToList();
        return new IntelMQImport(files, notes);
    }

    static string Convert(Bot bot, string inputQueue, Dictionary<string, string[]> destinations, ProgramCatalog programs, string source, List<string> notes)
    {
        var own = new List<string>();
        void Note(string text)
        {
            own.Add(text);
            notes.Add($"{bot.Id}: {text}");
        }
        var p = bot.Parameters;
        var program = bot.Module is null ? null : programs.Programs.FirstOrDefault(x => x.Declaration.Modules.Contains(bot.Module));
        var document = new Dictionary<string, object?>(StringComparer.Ordinal) { ["program"] = program?.Name ?? bot.Module ?? "" };
        if (program is null)
            Note($"{bot.Module ?? "(no module)"} is not available in IntelMQ.NET yet: written disabled, with its parameters, for when it is.");
        if (!bot.Enabled || program is null) document["enabled"] = false;

        var collector = program?.Kind == ProgramKind.Collector || (program is null && bot.Module?.Contains(".collectors.", StringComparison.Ordinal) == true);
        var rateLimit = p.GetValueOrDefault("rate_limit") is { } r && double.TryParse(Text(r), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : (double?)null;
        if (bot.RunMode == "scheduled") document["run_mode"] = "once";
        else if (collector && rateLimit is { } interval)
        {
            document["run_mode"] = "interval";
            document["interval"] = interval;
        }
        else document["run_mode"] = "continuous";
        if (bot.RunMode is not ("continuous" or "scheduled")) Note($"run_mode '{bot.RunMode}' is not IntelMQ's continuous or scheduled: written continuous.");
        if (rateLimit is not null && !collector) Note($"rate_limit: {Text(p["rate_limit"])} is not implemented for {(program?.Kind.ToString().ToLowerInvariant() ?? "this bot")}s: IntelMQ slept that long after each message; IntelMQ.NET does not slow programs down.");

        if (!collector) document["input"] = Channel(p, "source", inputQueue, Note);
        if (destinations.Count > 0)
            document["output"] = destinations.ToDictionary(d => d.Key, d => (object?)d.Value.Select(q => Channel(p, "destination", q, Note)).ToList(), StringComparer.Ordinal);

        // IntelMQ retries error_max_retries times, then applies error_procedure.
        var procedure = Text(p.GetValueOrDefault("error_procedure"));
        var retries = p.GetValueOrDefault("error_max_retries") is { } m && int.TryParse(Text(m), out var n) ? n : (int?)null;
        if (procedure is "pass" or null && retries > 0) document["on_error"] = "retry";
        else if (procedure == "stop") document["on_error"] = "stop";
        else if (procedure is not (null or "pass")) Note($"error_procedure: '{procedure}' is not pass or stop: left out (dump is the default).");
        if (retries is not null) document["retries"] = retries;
        if (p.GetValueOrDefault("error_retry_delay") is { } delay) document["retry_delay"] = Native(delay);
        if (Text(p.GetValueOrDefault("logging_level"))?.ToLowerInvariant() is { } level) document["log_level"] = level;
        if (p.GetValueOrDefault("instances_threads") is { } threads && Text(threads) != "1")
        {
            if (collector) Note("instances_threads: a collector runs as one process: left out.");
            else document["processes"] = Native(threads);
        }

        var options = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in p)
        {
            if (value is null || Consumed.Contains(key)) continue;
            if (program is null) { options[key] = Escape(value); continue; }
            // A framework parameter some programs take as their own option (the deduplicator's redis_cache_*) is kept for them.
            if (OptionBinder.IntelMQParametersNotImplemented.TryGetValue(key, out var instead) && !(collector && CollectorKeys.Contains(key))
                && OptionBinder.Find(program.Options, key) is null)
            {
                if (key is not ("name" or "group" or "description" or "module" or "groupname")) Note($"{key}: not implemented (use {instead}): left out.");
                continue;
            }
            if (collector && CollectorKeys.Contains(key) || OptionBinder.Find(program.Options, key) is not null)
            {
                try
                {
                    if (collector && CollectorKeys.Contains(key)) CollectorSettings.Take(new Dictionary<string, object?> { [key] = Text(value) });
                    else OptionBinder.Bind(program, new Dictionary<string, object?> { [key] = value is string or string[] ? value : Text(value) });
                    options[key] = Escape(value);
                }
                catch (ConfigurationException ex) { Note($"{key}: {ex.Message} Left out."); }
                continue;
            }
            Note($"{key}: not an option of {program.Name} (`intelmq help {program.Name}`): left out.");
        }
        if (options.Count > 0) document["options"] = options;

        var header = $"# Converted by `intelmq config import-intelmq` from {source}: IntelMQ bot {bot.Id} ({bot.Module}).\n"
                     + string.Concat(own.Select(o => $"# Not converted: {o.ReplaceLineEndings(" ")}\n"));
        return header + InstanceYaml.Write(document);
    }

    /// <summary>The Redis (or AMQP) channel of an IntelMQ queue, on the bot's pipeline host.</summary>
    static string Channel(Dictionary<string, object?> p, string side, string queue, Action<string> note)
    {
        string? Get(string key) => Text(p.GetValueOrDefault($"{side}_pipeline_{key}"));
        var broker = Get("broker")?.ToLowerInvariant() ?? "redis";
        var host = Get("host") ?? "127.0.0.1";
        var password = Get("password") is { Length: > 0 } ? "&password_env=INTELMQ_PIPELINE_PASSWORD" : "";
        if (password.Length > 0) note($"{side}_pipeline_password: not written into the file; set INTELMQ_PIPELINE_PASSWORD (the URIs read it from there).");
        var query = Uri.EscapeDataString(queue);
        if (broker == "amqp") return $"amqp://{host}:{Get("port") ?? "5672"}/?queue={query}{password}";
        if (broker != "redis") note($"{side}_pipeline_broker '{broker}' is unknown: written as Redis.");
        return $"redis://{host}:{Get("port") ?? "6379"}/{Get("db") ?? "2"}?queue={query}{password}";
    }

    // A literal {{ in IntelMQ's parameters (an API key placeholder) must not be read as a template.
    static object? Escape(object? value) => value switch
    {
        string s when s.Contains("{{", StringComparison.Ordinal) || s.Contains("{%", StringComparison.Ordinal) => "{% raw %}" + s + "{% endraw %}",
        string[] list => list.Select(Escape).ToList(),
        Dictionary<string, object?> map => map.ToDictionary(e => e.Key, e => Escape(e.Value), StringComparer.Ordinal),
        _ => value,
    };

    static bool Flag(object? value) => Text(value) is "true" or "True";

    /// <summary>A value as YAML text reads back: true, 3, 2.5, or the text.</summary>
    static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string[] list => string.Join(",", list),
        _ => value.ToString(),
    };

    static object? Native(object? value) => value is string s ? long.TryParse(s, out var n) ? n : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : s : value;

    static List<Bot> Read(string path)
    {
        if (Directory.Exists(path))
            path = new[] { "runtime.yaml", "runtime.conf" }.Select(f => Path.Combine(path, f)).FirstOrDefault(File.Exists)
                   ?? throw new ConfigurationException($"{path}: holds neither runtime.yaml (IntelMQ 3.x) nor runtime.conf (IntelMQ 2.x).");
        return path.EndsWith(".conf", StringComparison.Ordinal) ? ReadVersion2(path) : ReadVersion3(path);
    }

    static List<Bot> ReadVersion3(string path)
    {
        var root = Load(path, text =>
        {
            YamlStream yaml = [];
            yaml.Load(new StringReader(text));
            return yaml.Documents.Count == 0 ? null : FromYaml(yaml.Documents[0].RootNode);
        });
        var global = root.GetValueOrDefault("global") as Dictionary<string, object?> ?? [];
        return root.Where(e => e.Key != "global").Select(e => ToBot(e.Key, e.Value, global, null, path)).ToList();
    }

    static List<Bot> ReadVersion2(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var runtime = Load(path, FromJson);
        var pipeline = File.Exists(Path.Combine(directory, "pipeline.conf")) ? Load(Path.Combine(directory, "pipeline.conf"), FromJson) : [];
        var defaults = File.Exists(Path.Combine(directory, "defaults.conf")) ? Load(Path.Combine(directory, "defaults.conf"), FromJson) : [];
        return runtime.Select(e => ToBot(e.Key, e.Value, defaults, pipeline.GetValueOrDefault(e.Key) as Dictionary<string, object?>, path)).ToList();
    }

    static Dictionary<string, object?> Load(string path, Func<string, object?> parse)
    {
        try
        {
            return parse(File.ReadAllText(path)) as Dictionary<string, object?>
                   ?? throw new ConfigurationException($"{path}: expected a mapping of bot ids to bots, as IntelMQ writes it.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read {path}: {ex.Message}");
        }
        catch (Exception ex) when (ex is YamlException or JsonException)
        {
            throw new ConfigurationException($"{path}: not valid {(ex is JsonException ? "JSON" : "YAML")}: {ex.Message}");
        }
    }

    static Bot ToBot(string id, object? value, Dictionary<string, object?> global, Dictionary<string, object?>? pipeline, string path)
    {
        if (value is not Dictionary<string, object?> bot)
            throw new ConfigurationException($"{path}: bot '{id}' is not a mapping with module and parameters.");
        var parameters = new Dictionary<string, object?>(global, StringComparer.Ordinal);
        if (bot.GetValueOrDefault("parameters") is Dictionary<string, object?> own)
            foreach (var (k, v) in own) parameters[k] = v;
        var source = Text(pipeline?.GetValueOrDefault("source-queue")) ?? Text(parameters.GetValueOrDefault("source_queue"));
        var destinations = (pipeline?.GetValueOrDefault("destination-queues") ?? parameters.GetValueOrDefault("destination_queues")) switch
        {
            string[] list => new Dictionary<string, string[]> { [Paths.Default] = list },
            string one => new Dictionary<string, string[]> { [Paths.Default] = [one] },
            Dictionary<string, object?> named => named.Where(n => n.Value is not null).ToDictionary(n => n.Key, n => n.Value is string[] l ? l : [Text(n.Value)!], StringComparer.Ordinal),
            _ => [],
        };
        return new Bot(id, Text(bot.GetValueOrDefault("module")), parameters, Text(bot.GetValueOrDefault("enabled")) is not ("false" or "False"),
            Text(bot.GetValueOrDefault("run_mode")) ?? "continuous", source, destinations);
    }

    /// <summary>YAML as typed values: plain true/false, numbers and null are read as YAML reads them, quoted text stays text.</summary>
    static object? FromYaml(YamlNode node) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain } s => s.Value switch
        {
            null or "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            var v => v,
        },
        YamlScalarNode s => s.Value,
        YamlSequenceNode seq => seq.Children.Select(c => Text(FromYaml(c)) ?? "").ToArray(),
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value ?? "", c => FromYaml(c.Value), StringComparer.Ordinal),
        _ => node.ToString(),
    };

    static object? FromJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        return FromJson(document.RootElement);
    }

    static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => e.TryGetInt64(out var n) ? n : e.GetDouble(),
        _ => null,
    };
}
