using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// The dump: an append-only JSON-lines file of what failed, with the error, the program, where it came from and
/// the content itself, so it can be inspected and replayed. One line per failure; the file is never rewritten.
/// </summary>
public sealed class DumpWriter(string path, string program) : IDisposable
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    FileStream? _file;
    bool _unsynced;

    public string Path { get; } = path;
    public long Count { get; private set; }

    /// <param name="input">The input the content came from (stdin, a file, a queue).</param>
    /// <param name="position">Where in that input (line number, row).</param>
    /// <param name="content">The failed message or part of it, as received.</param>
    public void Write(string input, string position, Exception error, string content, string kind = "message") =>
        Write(input, position, error, kind, writer => writer.WriteString("content", content));

    /// <summary>A received body: as text when it is UTF-8, otherwise byte for byte as <c>content_base64</c>, so that a replay sends what came.</summary>
    public void Write(string input, string position, Exception error, ReadOnlySpan<byte> body, string kind = "message")
    {
        if (System.Text.Unicode.Utf8.IsValid(body)) Write(input, position, error, System.Text.Encoding.UTF8.GetString(body), kind);
        else
        {
            var base64 = Convert.ToBase64String(body);
            Write(input, position, error, kind, writer => writer.WriteString("content_base64", base64));
        }
    }

    void Write(string input, string position, Exception error, string kind, Action<Utf8JsonWriter> content)
    {
        if (_file is null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        }
        using (var writer = new Utf8JsonWriter(_file, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("time", Clock.NowText);
            writer.WriteString("program", program);
            writer.WriteString("input", input);
            writer.WriteString("position", position);
            writer.WriteString("error", error.Message);
            writer.WriteString("error_type", error.GetType().Name);
            writer.WriteString("kind", kind);
            content(writer);
            writer.WriteEndObject();
        }
        _file.WriteByte((byte)'\n');
        _file.Flush();
        Count++;
        _unsynced = true;
    }

    /// <summary>Makes the entries written so far durable; called before the input is acknowledged, since a dumped message is then gone from it.</summary>
    public void Sync()
    {
        if (!_unsynced) return;
        _file!.Flush(flushToDisk: true);
        _unsynced = false;
    }

    public void Dispose() => _file?.Dispose();
}
