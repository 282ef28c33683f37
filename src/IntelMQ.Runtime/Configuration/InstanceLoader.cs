using System.Globalization;
using IntelMQ.Runtime.Channels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// Reads <c>config.d/ID.yaml</c> files: renders the template, parses the YAML and checks every key against the
/// declarations (the program's options, <see cref="RunOptions"/>), collecting every problem with its file, line and fix.
/// </summary>
public static class InstanceLoader
{
    static readonly IReadOnlyList<OptionInfo> Declared = OptionInfo.Of(typeof(RunOptions));

    /// <summary>The run settings a file may give at the top level: the runtime's configuration keys but the ones the file says otherwise.</summary>
    public static readonly IReadOnlyList<OptionInfo> Settings =
        Declared.Where(o => !o.Attribute.CommandLineOnly && o.Name is not ("daemon" or "id" or "input" or "output")).ToList();

    /// <summary>The top-level keys besides the run settings.</summary>
    public static readonly string[] InstanceKeys = ["program", "enabled", "description", "run_mode", "interval", "schedule", "schedule_jitter", "options", "input", "output"];

    // Read by CollectorSettings from a collector's options.
    static readonly string[] CollectorKeys = ["max_report_size", "name", "feed", "provider", "code", "documentation", "accuracy"];

    // Keys that people bring from IntelMQ's runtime.yaml or from the command line, with the fix.
    static readonly Dictionary<string, string> Hints = new(StringComparer.Ordinal)
    {
        ["module"] = "write `program:` (our name or the IntelMQ module)",
        ["parameters"] = "write the program's options under `options:`",
        ["bot_id"] = "remove it: the instance's id is the file's name (ID.yaml)",
        ["id"] = "remove it: the instance's id is the file's name (ID.yaml)",
        ["daemon"] = "write `run_mode: continuous` (the default) or `run_mode: once`",
        ["error_procedure"] = "write `on_error: dump`, `retry` or `stop`",
        ["rate_limit"] = "write `run_mode: interval` and `interval: SECONDS` at the top level",
    };

    /// <summary>The file of an instance: <paramref name="name"/> as a path to a .yaml file, or <c>DIRECTORY/NAME.yaml</c>; null when there is none.</summary>
    public static string? Find(string name, string directory)
    {
        if (name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal))
            return File.Exists(name) ? name : null;
        if (name.Contains('/') || name.Length == 0) return null;
        return new[] { ".yaml", ".yml" }.Select(e => Path.Combine(directory, name + e)).FirstOrDefault(File.Exists);
    }

    /// <summary>Every instance of a directory (*.yaml, *.yml), in the order of their ids.</summary>
    public static List<InstanceConfig> LoadDirectory(string directory, ProgramCatalog programs, ChannelCatalog channels, List<ConfigDiagnostic> problems, bool masked = false)
    {
        if (!Directory.Exists(directory))
        {
            problems.Add(new(directory, 0, "no such configuration directory: create it with one ID.yaml per program instance (docs/configuration.md), or convert an IntelMQ setup with `intelmq config import-intelmq PATH`."));
            return [];
        }
        var files = Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        var instances = new List<InstanceConfig>();
        foreach (var file in files)
        {
            if (Load(file, programs, channels, problems, masked) is not { } instance) continue;
            if (instances.FirstOrDefault(i => i.Id == instance.Id) is { } twin)
                problems.Add(new(file, 0, $"the id '{instance.Id}' is configured twice, here and in {twin.File}: remove or rename one of them."));
            else instances.Add(instance);
        }
        return instances;
    }

    /// <summary>One file; null when it cannot be read at all (the reasons are in <paramref name="problems"/>), else the instance with its problems reported.</summary>
    public static InstanceConfig? Load(string file, ProgramCatalog programs, ChannelCatalog channels, List<ConfigDiagnostic> problems, bool masked = false)
    {
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add(new(file, 0, $"cannot be read: {ex.Message}"));
            return null;
        }
        var id = Path.GetFileNameWithoutExtension(file);
        if (id.Length == 0 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            problems.Add(new(file, 0, $"'{id}' is not a usable id (it names dumps, queues and metrics): rename the file to letters, digits, '-', '_' and '.' only, e.g. taxonomy-expert.yaml."));
        var rendered = ConfigTemplate.Render(text, file, Path.GetDirectoryName(Path.GetFullPath(file))!, masked, problems);
        if (rendered is null) return null;
        YamlStream yaml = [];
        try
        {
            yaml.Load(new StringReader(rendered));
        }
        catch (YamlException ex)
        {
            problems.Add(new(file, (int)ex.Start.Line, $"not valid YAML: {(ex.InnerException ?? ex).Message} (indent with spaces; quote values that contain ': ' or start with '{{', '*', '&' or '@')."));
            return null;
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(new(file, 0, "expected a mapping with at least `program: NAME` (see docs/configuration.md)."));
            return null;
        }
        return new Reader(file, id, root, programs, channels, problems).Read();
    }

    /// <summary>A YAML value as the binder takes it: text, null, a list of text, or a mapping.</summary>
    public static object? ToValue(YamlNode node) => node switch
    {
        YamlScalarNode { Value: null or "~" or "null" or "" } s when s.Style == ScalarStyle.Plain => null,
        YamlScalarNode s => s.Value,
        // A list of mappings (URLhaus's type_translation) becomes a list of JSON objects, as the binder reads them.
        YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? System.Text.Json.JsonSerializer.Serialize(ToValue(c))).ToArray(),
        YamlMappingNode map => map.Children.ToDictionary(c => Key(c.Key), c => ToValue(c.Value), StringComparer.Ordinal),
        _ => node.ToString(),
    };

    static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? node.ToString();

    sealed class Reader(string file, string id, YamlMappingNode root, ProgramCatalog programs, ChannelCatalog channels, List<ConfigDiagnostic> problems)
    {
        readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

        void Error(YamlNode node, string message) => problems.Add(new(file, (int)node.Start.Line, message));
        void Warn(YamlNode node, string message) => problems.Add(new(file, (int)node.Start.Line, message, IsWarning: true));

        public InstanceConfig Read()
        {
            var entries = new Dictionary<string, (YamlNode Key, YamlNode Value)>(StringComparer.Ordinal);
            foreach (var (k, v) in root.Children)
            {
                var key = Key(k);
                entries[key] = (k, v);
                _lines[key] = (int)k.Start.Line;
                if (InstanceKeys.Contains(key) || Settings.Any(s => s.Name == key)) continue;
                if (Hints.TryGetValue(key, out var hint)) { Error(k, $"'{key}' is not a key of this file: {hint}."); continue; }
                if (Settings.FirstOrDefault(s => s.Aliases.Contains(key)) is { } aliased) { Error(k, $"'{key}' is IntelMQ's name: write `{aliased.Name}:` here."); continue; }
                var suggestion = OptionBinder.Suggest(key, InstanceKeys.Concat(Settings.Select(s => s.Name)));
                Error(k, $"unknown key '{key}'." + (suggestion is null ? "" : $" Did you mean '{suggestion}'?")
                         + " A program's own options go under `options:`; the top-level keys are program, enabled, run_mode, interval, schedule, input, output, options and the run settings of `intelmq run --help`.");
            }

            ProgramInfo? program = null;
            var programName = "";
            var enabled = Bool(entries, "enabled") ?? true;
            if (!entries.TryGetValue("program", out var p) || p.Value is not YamlScalarNode { Value: { Length: > 0 } name })
                Error(entries.TryGetValue("program", out p) ? p.Key : root, "`program:` is missing: name the program this instance runs (`intelmq list` shows them), e.g. `program: taxonomy-expert`.");
            else
            {
                programName = name;
                try { program = programs.Resolve(name); }
                catch (ConfigurationException ex)
                {
                    if (name.StartsWith("intelmq.bots.", StringComparison.Ordinal))
                        problems.Add(new(file, (int)p.Value.Start.Line,
                            $"program '{name}' is an IntelMQ bot that IntelMQ.NET does not have yet; " + (enabled
                                ? "set `enabled: false` until it exists, or replace it with one of `intelmq list`."
                                : "the instance is disabled, so the workflow runs without it; its options are not checked."), IsWarning: !enabled));
                    else Error(p.Value, ex.Message);
                }
            }

            var settings = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var option in Settings)
            {
                if (!entries.TryGetValue(option.Name, out var entry)) continue;
                var value = ToValue(entry.Value);
                Check(entry.Value, () => OptionBinder.Bind(id, typeof(RunOptions), Declared, new Dictionary<string, object?> { [option.Name] = value }));
                settings[option.Name] = value;
            }

            var (runMode, interval, schedule, jitter) = ReadRunMode(entries, program);
            var input = ReadInput(entries, program);
            var outputs = ReadOutputs(entries, program, settings.GetValueOrDefault("drop_path") as string);
            var options = ReadOptions(entries, program);
            if (program?.Kind == ProgramKind.Collector && settings.TryGetValue("processes", out var processes) && processes is string n && n != "1")
                Error(entries["processes"].Value, $"{program.Name} is a collector: it runs as one process; remove `processes`.");

            return new InstanceConfig
            {
                Id = id,
                File = file,
                ProgramName = programName,
                Program = program,
                Enabled = enabled,
                RunMode = runMode,
                Interval = interval,
                Schedule = schedule,
                ScheduleJitter = jitter,
                Options = options,
                Settings = settings,
                Input = input,
                Outputs = outputs,
                Lines = _lines,
            };
        }

        void Check(YamlNode node, Action bind)
        {
            try { bind(); }
            catch (ConfigurationException ex) { Error(node, ex.Message); }
        }

        bool? Bool(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, string key)
        {
            if (!entries.TryGetValue(key, out var entry)) return null;
            if (entry.Value is YamlScalarNode { Value: { } b } && bool.TryParse(b, out var flag)) return flag;
            Error(entry.Value, $"`{key}:` must be true or false.");
            return null;
        }

        (RunMode, double?, string?, double?) ReadRunMode(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, ProgramInfo? program)
        {
            var mode = RunMode.Continuous;
            if (entries.TryGetValue("run_mode", out var m))
            {
                var text = (m.Value as YamlScalarNode)?.Value ?? "";
                if (text == "scheduled") Error(m.Value, "run_mode 'scheduled' is IntelMQ's: write `run_mode: once` (one run, for cron or a timer), or `interval` or `cron` for a collector.");
                else if (!Enum.TryParse(text, ignoreCase: true, out mode) || int.TryParse(text, out _))
                    Error(m.Value, $"run_mode '{text}' must be continuous, once, interval or cron.");
            }
            double? interval = null, jitter = null;
            string? schedule = null;
            if (entries.TryGetValue("interval", out var i))
            {
                if (double.TryParse((i.Value as YamlScalarNode)?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0) interval = seconds;
                else Error(i.Value, "`interval:` must be a number of seconds above 0, e.g. `interval: 3600`.");
                if (mode != RunMode.Interval) Error(i.Key, "`interval:` applies to `run_mode: interval`: add it, or remove the interval.");
            }
            if (entries.TryGetValue("schedule", out var s))
            {
                schedule = (s.Value as YamlScalarNode)?.Value;
                try { CollectorSchedule.Cron(schedule ?? ""); }
                catch (ConfigurationException ex) { Error(s.Value, ex.Message); }
                if (mode != RunMode.Cron) Error(s.Key, "`schedule:` applies to `run_mode: cron`: add it, or remove the schedule.");
            }
            if (entries.TryGetValue("schedule_jitter", out var j))
            {
                if (double.TryParse((j.Value as YamlScalarNode)?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0) jitter = seconds;
                else Error(j.Value, "`schedule_jitter:` must be a number of seconds, at least 0.");
            }
            if (mode == RunMode.Interval && interval is null && !entries.ContainsKey("interval")) Error(m.Value, "run_mode interval needs `interval: SECONDS`, e.g. `interval: 3600`.");
            if (mode == RunMode.Cron && !entries.ContainsKey("schedule")) Error(m.Value, "run_mode cron needs `schedule: CRON`, e.g. `schedule: \"0 2 * * *\"` (02:00 UTC).");
            if (mode is RunMode.Interval or RunMode.Cron && program is not null && program.Kind != ProgramKind.Collector)
                Error(m.Value, $"{program.Name} is {Article(program.Kind)}: it processes what arrives, so it runs continuous (or once); only collectors run on an interval or a schedule.");
            return (mode, interval, schedule, jitter);
        }

        string? ReadInput(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, ProgramInfo? program)
        {
            if (!entries.TryGetValue("input", out var entry)) return null;
            if (entry.Value is not YamlScalarNode { Value: { Length: > 0 } uri })
            {
                Error(entry.Value, "`input:` must be one channel URI, e.g. 'redis://localhost:6379/2?queue=taxonomy-expert-queue' (docs/channels.md).");
                return null;
            }
            if (program?.Kind == ProgramKind.Collector) Error(entry.Key, $"{program.Name} is a collector: it fetches its reports itself; remove `input:`.");
            CheckUri(entry.Value, uri, input: true);
            return uri;
        }

        IReadOnlyDictionary<string, IReadOnlyList<string>> ReadOutputs(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, ProgramInfo? program, string? dropPath)
        {
            var outputs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (!entries.TryGetValue("output", out var entry)) return outputs;
            const string Shape = "`output:` must be a channel URI, a list of URIs, or a mapping of output path names (_default, ...) to a URI or a list of URIs.";
            List<string>? Uris(YamlNode node)
            {
                if (node is YamlScalarNode { Value: { Length: > 0 } one }) { CheckUri(node, one, input: false); return [one]; }
                if (node is YamlSequenceNode list && list.Children.All(c => c is YamlScalarNode { Value.Length: > 0 }))
                {
                    foreach (var c in list.Children) CheckUri(c, ((YamlScalarNode)c).Value!, input: false);
                    return [.. list.Children.Select(c => ((YamlScalarNode)c).Value!)];
                }
                Error(node, Shape);
                return null;
            }
            if (entry.Value is YamlMappingNode paths)
            {
                var known = program is null ? null : program.Declaration.Paths.Prepend(Paths.Default).Concat(dropPath is null ? [] : [dropPath]).ToList();
                foreach (var (k, v) in paths.Children)
                {
                    var path = Key(k);
                    _lines["output." + path] = (int)k.Start.Line;
                    if (known is not null && !known.Contains(path))
                        Error(k, $"{program!.Name} never emits to an output path '{path}'." + (OptionBinder.Suggest(path, known) is { } hint ? $" Did you mean '{hint}'?" : "")
                                 + $" Its paths: {string.Join(", ", known)}" + (dropPath is null ? "; a drop_path setting names one more." : "."));
                    if (Uris(v) is { } uris) outputs[path] = uris;
                }
            }
            else if (Uris(entry.Value) is { } uris) outputs[Paths.Default] = uris;
            return outputs;
        }

        void CheckUri(YamlNode node, string uri, bool input)
        {
            try
            {
                var address = ChannelAddress.Parse(uri);
                var scheme = channels.Schemes.FirstOrDefault(s => s.Scheme == address.Scheme);
                if (scheme.Scheme is null)
                    Error(node, $"{address}: unknown channel '{address.Scheme}'. Known: {string.Join(", ", channels.Schemes.Select(s => s.Scheme))} (docs/channels.md).");
                else if (input ? !scheme.Input : !scheme.Output)
                    Error(node, $"{address}: {address.Scheme} is not {(input ? "an input" : "an output")} channel.");
            }
            catch (ConfigurationException ex) { Error(node, ex.Message); }
        }

        Dictionary<string, object?> ReadOptions(Dictionary<string, (YamlNode Key, YamlNode Value)> entries, ProgramInfo? program)
        {
            var options = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (!entries.TryGetValue("options", out var entry) || entry.Value is YamlScalarNode { Value: null or "" or "~" or "null" }) return options;
            if (entry.Value is not YamlMappingNode map)
            {
                Error(entry.Value, "`options:` must be a mapping of the program's option names to values (`intelmq help PROGRAM` lists them).");
                return options;
            }
            foreach (var (k, v) in map.Children)
            {
                var key = Key(k);
                var value = ToValue(v);
                _lines["options." + key] = (int)k.Start.Line;
                options[key] = value;
                if (program is null) continue;
                if (key == "error_procedure" || Hints.ContainsKey(key) && key is "rate_limit" or "bot_id")
                {
                    Error(k, $"'{key}' is not a program option: {Hints[key]}.");
                    continue;
                }
                if (program.Kind == ProgramKind.Collector && CollectorKeys.Contains(key))
                {
                    Check(v, () => CollectorSettings.Take(new Dictionary<string, object?> { [key] = value }));
                    continue;
                }
                if (OptionBinder.Find(program.Options, key) is null && OptionBinder.Find(Declared, key) is { } setting)
                {
                    Error(k, setting.Attribute.CommandLineOnly ? $"'{key}' is a command-line flag (--{setting.Name.Replace('_', '-')}), not a setting of the file."
                        : $"'{key}' is a run setting, not an option of {program.Name}: write `{setting.Name}:` at the top level, not under `options:`.");
                    continue;
                }
                var ignored = new List<string>();
                Check(v, () => OptionBinder.Bind(program, new Dictionary<string, object?> { [key] = value }, ignored));
                if (ignored.Count > 0) Warn(k, $"IntelMQ parameter '{key}' is not implemented and is ignored: use {OptionBinder.IntelMQParametersNotImplemented[key]}.");
            }
            return options;
        }

        static string Article(ProgramKind kind) => kind is ProgramKind.Expert or ProgramKind.Output ? $"an {kind.ToString().ToLowerInvariant()}" : $"a {kind.ToString().ToLowerInvariant()}";
    }
}
