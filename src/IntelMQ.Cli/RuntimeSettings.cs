using System.Globalization;
using System.Text.Json;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary>
/// How a run handles errors and batches, from the config file: our keys (<c>on_error</c>, <c>retries</c>,
/// <c>batch_size</c>, <c>linger_ms</c>) and IntelMQ's (<c>error_procedure</c>, <c>error_max_retries</c>,
/// <c>error_retry_delay</c>), so that a bot's runtime.yaml entry keeps its meaning. The command line wins.
/// </summary>
public sealed record RuntimeSettings(ErrorPolicy? OnError, int? Retries, TimeSpan? RetryDelay, int? BatchSize, int? LingerMs)
{
    static readonly string[] Keys = ["on_error", "retries", "batch_size", "linger_ms", "error_procedure", "error_max_retries", "error_retry_delay"];

    /// <summary>Removes the runtime keys from a program's option values and reads them.</summary>
    public static RuntimeSettings Take(Dictionary<string, object?> values)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Keys)
            if (values.Remove(key, out var value) && Text(value) is { } text) found[key] = text;

        var retries = Int(found, "retries", 0) ?? Int(found, "error_max_retries", 0);
        ErrorPolicy? onError = found.TryGetValue("on_error", out var policy)
            ? Enum.TryParse<ErrorPolicy>(policy, ignoreCase: true, out var p) && !int.TryParse(policy, out _) ? p
              : throw new ConfigurationException($"on_error: '{policy}' is not one of dump, retry, stop.")
            // IntelMQ retries error_max_retries times, then applies error_procedure: pass (dump and go on) or stop.
            : found.TryGetValue("error_procedure", out var procedure) ? procedure switch
            {
                "pass" => retries > 0 ? ErrorPolicy.Retry : ErrorPolicy.Dump,
                "stop" => ErrorPolicy.Stop,
                _ => throw new ConfigurationException($"error_procedure: '{procedure}' is not one of pass, stop (IntelMQ's values)."),
            }
            : retries > 0 && found.ContainsKey("error_max_retries") ? ErrorPolicy.Retry : null;
        var delay = found.TryGetValue("error_retry_delay", out var seconds)
            ? double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 ? TimeSpan.FromSeconds(s)
              : throw new ConfigurationException($"error_retry_delay: '{seconds}' is not a number of seconds.")
            : (TimeSpan?)null;
        return new RuntimeSettings(onError, retries, delay, Int(found, "batch_size", 1), Int(found, "linger_ms", 0));
    }

    static int? Int(Dictionary<string, string> found, string key, int min) =>
        !found.TryGetValue(key, out var text) ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min ? n
        : throw new ConfigurationException($"{key}: '{text}' must be a whole number of at least {min}.");

    static string? Text(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement e => e.GetRawText(),
        _ => value?.ToString(),
    };
}
