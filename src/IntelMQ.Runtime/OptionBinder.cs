using System.Globalization;
using System.Text.Json;

namespace IntelMQ.Runtime;

/// <summary>
/// Binds configuration values by name to a program's typed options and refuses, before anything runs,
/// unknown names (with a suggestion), wrong types and out-of-range values.
/// </summary>
public static class OptionBinder
{
    /// <summary>IntelMQ's framework-wide bot parameters: accepted for drop-in compatibility; the runtime, not the program, owns these concerns.</summary>
    public static readonly IReadOnlySet<string> IntelMQRuntimeParameters = new HashSet<string>
    {
        "logging_level", "logging_path", "logging_handler", "logging_syslog", "log_processed_messages_count",
        "log_processed_messages_seconds", "rate_limit", "error_procedure", "error_max_retries", "error_retry_delay",
        "error_log_message", "error_log_exception", "error_dump_message", "testing", "enabled", "run_mode",
        "source_pipeline_broker", "destination_pipeline_broker", "source_pipeline_host", "destination_pipeline_host",
        "source_pipeline_port", "destination_pipeline_port", "source_pipeline_db", "destination_pipeline_db",
        "load_balance", "http_proxy", "https_proxy", "http_user_agent", "http_verify_cert", "http_timeout_sec",
        "http_timeout_max_tries", "ssl_ca_certificate", "process_manager", "statistics_host", "statistics_port",
        "statistics_database", "statistics_password", "destination_queues", "instances_threads", "bot_id", "group",
        "name", "description", "module", "groupname", "redis_cache_host", "redis_cache_port", "redis_cache_db", "redis_cache_ttl",
        "redis_cache_password", "accuracy", "code", "provider", "documentation", "feed", "auto_update",
    };

    /// <summary>Creates the options object for a program from name/value pairs (values are JSON or plain text).</summary>
    public static object? Bind(ProgramInfo program, IReadOnlyDictionary<string, object?> values, ICollection<string>? ignored = null)
    {
        var type = program.Declaration.Options;
        var options = type is null ? null : Activator.CreateInstance(type)!;
        foreach (var (key, value) in values)
        {
            var option = program.Options.FirstOrDefault(o => o.Name == key || o.Aliases.Contains(key));
            if (option is null)
            {
                if (IntelMQRuntimeParameters.Contains(key)) { ignored?.Add(key); continue; }
                var names = program.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
                var hint = Suggest(key, names);
                throw new ConfigurationException(
                    $"{program.Name}: unknown option '{key}'." + (hint is null ? "" : $" Did you mean '{hint}'?")
                    + (names.Count == 0 ? " This program takes no options." : $" Known options: {string.Join(", ", program.Options.Select(o => o.Name))} (see `intelmq help {program.Name}`)."));
            }
            option.Property.SetValue(options, Convert(program, option, value));
        }
        return options;
    }

    static object? Convert(ProgramInfo program, OptionInfo option, object? value)
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
        string Wrong() => $"{program.Name}: option '{option.Name}' must be {Article(option.TypeName)}, got {Show(value)}.";
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
                _ when target == typeof(int) => (int)ToNumber(value, Wrong),
                _ when target == typeof(long) => (long)ToNumber(value, Wrong),
                _ when target == typeof(double) => ToNumber(value, Wrong),
                string[] list when target == typeof(string[]) => list,
                string s when target == typeof(string[]) => s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                string s when target.IsEnum && Enum.TryParse(target, s, ignoreCase: true, out var parsed) => parsed,
                _ => throw new ConfigurationException(Wrong()),
            };
            if (result is int or long or double && System.Convert.ToDouble(result, CultureInfo.InvariantCulture) is var n
                && (n < option.Attribute.Min || n > option.Attribute.Max))
                throw new ConfigurationException($"{program.Name}: option '{option.Name}' is {n}, outside {option.Attribute.Min}..{option.Attribute.Max}.");
            return result;
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            throw new ConfigurationException(Wrong());
        }
    }

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
