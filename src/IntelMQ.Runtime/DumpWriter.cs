using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// The dump: an append-only JSON-lines file of what failed, with the error, the program, where it came from and
/// the content itself, so it can be inspected and replayed. One line per failure, appended in one write under the
/// file's lock, so that several workers share a dump and <c>intelmq dump replay</c> can take it away while they run:
/// an entry written after that goes into a new file at the same path. The file is never rewritten.
/// </summary>
public sealed class DumpWriter(string path, string program) : IDisposable
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly ArrayBufferWriter<byte> _entry = new(4096);
    AppendOnlyFile? _file;
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
        _entry.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_entry, Options))
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
        _entry.Write("\n"u8);
        while (true)
        {
            _file ??= AppendOnlyFile.Open(Path);
            if (_file.AppendIfStillAt(Path, _entry.WrittenSpan)) break;
            // Taken away for a replay or deleted: what was written to it is the taker's now; the next entries start a new file.
            Sync();
            _file.Dispose();
            _file = null;
        }
        Count++;
        _unsynced = true;
    }

    /// <summary>Makes the entries written so far durable; called before the input is acknowledged, since a dumped message is then gone from it.</summary>
    public void Sync()
    {
        if (!_unsynced) return;
        _file?.Sync();
        _unsynced = false;
    }

    public void Dispose() => _file?.Dispose();
}
