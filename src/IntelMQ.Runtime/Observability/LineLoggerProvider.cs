using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime.Observability;

/// <summary>Writes each log entry as one line, in one write, under one lock: no background queue to flush or reorder.</summary>
sealed class LineLoggerProvider(string program, string id, LogFormat format, TextWriter writer, TimeProvider clock) : ILoggerProvider
{
    const string OriginalFormat = "{OriginalFormat}";
    static readonly string[] Reserved = ["time", "level", "program", "id", "message", "exception"];
    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() => Flush();

    void Flush()
    {
        lock (_lock) writer.Flush();
    }

    void Write<TState>(LogLevel level, string message, TState state, Exception? exception)
    {
        var line = format == LogFormat.Json ? Json(level, message, state, exception) : Text(level, message, exception);
        lock (_lock)
        {
            writer.Write(line);
            writer.Flush();
        }
    }

    string Text(LogLevel level, string message, Exception? exception)
    {
        var line = new StringBuilder(64 + message.Length)
            .Append(clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            .Append(' ').Append(Word(level).ToUpperInvariant()).Append(' ').Append(id).Append(": ").Append(message);
        if (exception is not null) line.Append('\n').Append(exception);
        return line.Append('\n').ToString();
    }

    string Json<TState>(LogLevel level, string message, TState state, Exception? exception)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("level", Word(level));
            json.WriteString("program", program);
            json.WriteString("id", id);
            json.WriteString("message", message);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
                foreach (var (name, value) in fields)
                    if (name != OriginalFormat && !Reserved.Contains(name))
                        WriteValue(json, name, value);
            if (exception is not null) json.WriteString("exception", exception.ToString());
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    static void WriteValue(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null: json.WriteNull(name); break;
            case bool b: json.WriteBoolean(name, b); break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                json.WritePropertyName(name);
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d): json.WriteNumber(name, d); break;
            case float f when float.IsFinite(f): json.WriteNumber(name, f); break;
            case decimal m: json.WriteNumber(name, m); break;
            case DateTimeOffset t: json.WriteString(name, t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)); break;
            case DateTime t: json.WriteString(name, t.ToString("O", CultureInfo.InvariantCulture)); break;
            case IFormattable formattable: json.WriteString(name, formattable.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteString(name, value.ToString()); break;
        }
    }

    static string Word(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    sealed class Logger(LineLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(logLevel, formatter(state, exception), state, exception);
        }
    }
}
