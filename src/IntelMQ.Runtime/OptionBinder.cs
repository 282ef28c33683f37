using System.Globalization;
using System.Text.Json;

namespace IntelMQ.Runtime;

/// <summary>
/// Binds configuration values by name to a program's typed options and refuses, before anything runs,
/// unknown names (with a suggestion), wrong types and out-of-range values.
/// </summary>
public static class OptionBinder
{
    /// <summary>
    /// IntelMQ's framework-wide bot parameters that the runtime neither needs nor implements, with what to use instead.
    /// They are accepted (so that an IntelMQ configuration loads) and named in a warning at start.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> IntelMQParametersNotImplemented = new Dictionary<string, string>
    {
        ["logging_path"] = "logs go to standard error; redirect them or use --log-format json with your log collector",
        ["logging_handler"] = "logs go to standard error", ["logging_syslog"] = "logs go to standard error",
        ["log_processed_messages_count"] = "--metrics HOST:PORT (Prometheus counters)",
        ["log_processed_messages_seconds"] = "--metrics HOST:PORT (Prometheus counters)",
        ["rate_limit"] = "a collector's schedule; other programs are not slowed down",
        ["error_log_message"] = "the dump keeps every failed message", ["error_log_exception"] = "the dump keeps every error",
        ["error_dump_message"] = "failures always go to the dump", ["testing"] = "nothing: not needed",
        ["enabled"] = "start or do not start the program", ["run_mode"] = "--daemon, or a one-shot run",
        ["source_pipeline_broker"] = "--input URI", ["destination_pipeline_broker"] = "--output URI",
        ["source_pipeline_host"] = "--input URI", ["destination_pipeline_host"] = "--output URI",
        ["source_pipeline_port"] = "--input URI", ["destination_pipeline_port"] = "--output URI",
        ["source_pipeline_db"] = "--input URI", ["destination_pipeline_db"] = "--output URI",
        ["source_pipeline_password"] = "--input URI", ["destination_pipeline_password"] = "--output URI",
        ["destination_queues"] = "--output PATH=URI", ["source_queue"] = "--input URI",
        ["load_balance"] = "a Redis list or AMQP queue shared by --processes workers",
        ["process_manager"] = "systemd or intelmq's own supervisor (--processes)",
        ["statistics_host"] = "--metrics", ["statistics_port"] = "--metrics", ["statistics_database"] = "--metrics",
        ["statistics_password"] = "--metrics", ["group"] = "nothing: descriptive only", ["name"] = "nothing: descriptive only",
        ["description"] = "nothing: descriptive only", ["module"] = "the program argument", ["groupname"] = "nothing: descriptive only",
        ["redis_cache_host"] = "the program's own cache options", ["redis_cache_port"] = "the program's own cache options",
        ["redis_cache_db"] = "the program's own cache options", ["redis_cache_ttl"] = "the program's own cache options",
        ["redis_cache_password"] = "the program's own cache options", ["accuracy"] = "a collector's feed options",
        ["code"] = "a collector's feed options", ["provider"] = "a collector's feed options", ["documentation"] = "a collector's feed options",
        ["feed"] = "a collector's feed options", ["auto_update"] = "--self-update-db from cron or a systemd timer",
        ["http_proxy"] = "the program's own proxy option", ["https_proxy"] = "the program's own proxy option",
        ["http_user_agent"] = "the program's own options", ["http_verify_cert"] = "the program's own options",
        ["http_timeout_sec"] = "the program's own options", ["http_timeout_max_tries"] = "the program's own options",
        ["ssl_ca_certificate"] = "the program's own options",
    };

    /// <summary>Creates the options object for a program from name/value pairs (values are JSON or plain text).</summary>
    /// <param name="ignored">Receives IntelMQ framework parameters that were accepted but are not implemented.</param>
    public static object? Bind(ProgramInfo program, IReadOnlyDictionary<string, object?> values, ICollection<string>? ignored = null) =>
        program.Declaration.Options is { } type ? Bind(program.Name, type, program.Options, values, ignored, $"intelmq help {program.Name}")
        : values.Keys.FirstOrDefault(k => !IntelMQParametersNotImplemented.ContainsKey(k)) is { } unknown
            ? throw new ConfigurationException($"{program.Name}: unknown option '{unknown}'. This program takes no options.")
            : Ignore(values, ignored);

    static object? Ignore(IReadOnlyDictionary<string, object?> values, ICollection<string>? ignored)
    {
        foreach (var key in values.Keys) ignored?.Add(key);
        return null;
    }

    /// <summary>Binds values to a new <paramref name="type"/>; unknown names are refused with a suggestion.</summary>
    public static object Bind(string owner, Type type, IReadOnlyList<OptionInfo> options, IReadOnlyDictionary<string, object?> values,
        ICollection<string>? ignored = null, string help = "intelmq help")
    {
        var result = Activator.CreateInstance(type)!;
        foreach (var (key, value) in values)
        {
            var option = Find(options, key);
            if (option is null)
            {
                if (IntelMQParametersNotImplemented.ContainsKey(key)) { ignored?.Add(key); continue; }
                var names = options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
                var hint = Suggest(key, names);
                throw new ConfigurationException(
                    $"{owner}: unknown option '{key}'." + (hint is null ? "" : $" Did you mean '{hint}'?")
                    + (names.Count == 0 ? " This program takes no options." : $" Known options: {string.Join(", ", options.Select(o => o.Name))} (see `{help}`)."));
            }
            option.Property.SetValue(result, Convert(owner, option, value));
        }
        return result;
    }

    /// <summary>The option a key names, by its name or one of its aliases.</summary>
    public static OptionInfo? Find(IReadOnlyList<OptionInfo> options, string key) =>
        options.FirstOrDefault(o => o.Name == key || o.Aliases.Contains(key));

    static object? Convert(string owner, OptionInfo option, object? value)
    {
        var target = Nullable.GetUnderlyingType(option.Type) ?? option.Type;
        if (value is JsonElement e) value = e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            JsonValueKind.Array => e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray(),
            _ => e.GetRawText(),
        };
        // A YAML mapping (IntelMQ's http_header, a timedelta) reaches a text option as JSON.
        if (value is IDictionary<string, object?> map && (target == typeof(string) || target == typeof(Secret))) value = JsonSerializer.Serialize(map);
        string Wrong() => $"{owner}: option '{option.Name}' must be {Article(option.TypeName)}, got {Show(value)}.";
        try
        {
            object? result = value switch
            {
                null => null,
                _ when target == typeof(string) => value is string[] list ? string.Join(",", list) : System.Convert.ToString(value, CultureInfo.InvariantCulture),
                string s when target == typeof(bool) => s.ToLowerInvariant() switch
                {
                    "true" or "yes" or "1" or "on" => true,
                    "false" or "no" or "0" or "off" => false,
                    _ => throw new ConfigurationException(Wrong()),
                },
                bool b when target == typeof(bool) => b,
                _ when target == typeof(int) => checked((int)Whole(ToNumber(value, Wrong), Wrong)),
                _ when target == typeof(long) => checked((long)Whole(ToNumber(value, Wrong), Wrong)),
                string s when target == typeof(Secret) => new Secret(s),
                _ when target == typeof(double) => ToNumber(value, Wrong),
                string[] list when target == typeof(string[]) => list,
                string s when target == typeof(string[]) => option.Attribute.Separator is { } separator
                    ? s.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    : string.IsNullOrWhiteSpace(s) ? [] : [s],
                string s when target.IsEnum && Enum.TryParse(target, s, ignoreCase: true, out var parsed) => parsed,
                _ when target == typeof(IReadOnlyDictionary<string, string>) => ToMap(value, Wrong),
                _ => throw new ConfigurationException(Wrong()),
            };
            if (result is int or long or double && System.Convert.ToDouble(result, CultureInfo.InvariantCulture) is var n
                && (n < option.Attribute.Min || n > option.Attribute.Max))
                throw new ConfigurationException($"{owner}: option '{option.Name}' is {n}, outside {Bound(option.Attribute.Min)}..{Bound(option.Attribute.Max)}.");
            return result;
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            throw new ConfigurationException(Wrong());
        }
    }

    // IntelMQ takes a mapping as a YAML/JSON object or as a string holding a JSON object (type_translation); "" is an empty one.
    static IReadOnlyDictionary<string, string> ToMap(object value, Func<string> wrong)
    {
        static string Text(object? v) => v switch
        {
            null => "",
            string s => s,
            string[] list => string.Join(",", list),
            bool b => b ? "true" : "false",
            _ => System.Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
        };
        if (value is IEnumerable<KeyValuePair<string, object?>> pairs) return pairs.ToDictionary(p => p.Key, p => Text(p.Value), StringComparer.Ordinal);
        // A list of mappings (IntelMQ's URLhaus feed writes type_translation so) is their union.
        if (value is string[] list) return list.SelectMany(item => ToMap(item, wrong)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (value is not string text) throw new ConfigurationException(wrong());
        if (string.IsNullOrWhiteSpace(text)) return new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigurationException(wrong());
            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString()!,
                JsonValueKind.Null => "",
                _ => p.Value.GetRawText(),
            }, StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            throw new ConfigurationException(wrong());
        }
    }

    // 3.7 for an integer option is refused, not truncated.
    static double Whole(double n, Func<string> wrong) => Math.Floor(n) == n ? n : throw new ConfigurationException(wrong());

    static string Bound(double b) => b is double.MinValue or double.MaxValue ? "" : b.ToString(CultureInfo.InvariantCulture);

    static double ToNumber(object value, Func<string> wrong)
    {
        var n = value is string s ? double.Parse(s, CultureInfo.InvariantCulture) : System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (value is bool) throw new ConfigurationException(wrong());
        return n;
    }

    static string Article(string type) => type.Contains('|') ? $"one of {type}" : "aeiou".Contains(type[0]) ? $"an {type}" : $"a {type}";

    static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        string[] a => $"[{string.Join(", ", a)}]",
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    /// <summary>The closest known name within a small edit distance, for "did you mean".</summary>
    public static string? Suggest(string name, IEnumerable<string> known) =>
        known.Select(k => (k, d: Distance(name, k))).Where(x => x.d <= Math.Max(2, name.Length / 3)).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();

    static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
