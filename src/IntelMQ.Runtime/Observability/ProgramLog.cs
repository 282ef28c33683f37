using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime.Observability;

/// <summary>
/// The logging of a program instance: whole lines to standard error, written synchronously, so that they keep their
/// order with the host's other writes there and nothing is lost at exit. docs/observability.md shows both formats.
/// </summary>
public static class ProgramLog
{
    /// <summary>A logger factory whose every line names <paramref name="id"/> (and, as JSON, <paramref name="program"/>).</summary>
    /// <param name="clock">The time stamped on each line; the system clock when null.</param>
    public static ILoggerFactory Create(string program, string id, LogLevel minimum, LogFormat format, TextWriter writer, TimeProvider? clock = null) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddProvider(new LineLoggerProvider(program, id, format, writer, clock ?? TimeProvider.System)));

    /// <summary>The level words of <c>--log-level</c>: debug, info, warning, error.</summary>
    public static LogLevel ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ConfigurationException($"log level '{text}': expected debug, info, warning or error."),
    };

    /// <summary>The words of <c>--log-format</c>: text, json.</summary>
    public static LogFormat ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new ConfigurationException($"log format '{text}': expected text (for people) or json (JSON lines, for central logging)."),
    };
}
