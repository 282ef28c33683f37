using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Outputs;

/// <summary>Appends events to a file as NDJSON, IDF packets or IntelMQ DHO lines.</summary>
[Program("file-output", ProgramKind.Output, "Appends events to a file as NDJSON, IDF packets or IntelMQ JSON lines, optionally fsynced.",
    Modules = ["intelmq.bots.outputs.file.output"],
    Options = typeof(FileOutputOptions),
    Description = """
        Appends every event it receives to one file. format=ndjson writes one IDF event per line (the default),
        idf writes IDF packets, dho writes IntelMQ's own JSON lines so that tools reading IntelMQ's file output keep
        working: like IntelMQ's file output by default, without __type and raw (keep_raw_field and message_with_type
        add them). A batch is appended in one write to a file opened in append mode, so several processes can write
        the same file without overwriting each other. Events count as delivered once written (and fsynced with fsync=true).
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run file-output --set path=events.jsonl < events.jsonl", "intelmq run file-output --set path=events.txt --set format=dho --set fsync=true < events.jsonl"])]
public sealed class FileOutput : IOutput, IDisposable
{
    readonly AppendOnlyFile _file;
    readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    readonly MessageWriter _writer;
    readonly Utf8JsonWriter? _dho;
    readonly bool _fsync, _withType, _withRaw;

    public FileOutput(FileOutputOptions options, ProgramContext context)
    {
        try
        {
            _file = AppendOnlyFile.Open(options.Path);
        }
        catch (IOException ex)
        {
            throw new ConfigurationException($"file-output: option 'path': {ex.Message}. Give a writable file, e.g. --set path=/var/lib/intelmq/events.jsonl");
        }
        _fsync = options.Fsync;
        _writer = new MessageWriter(new BufferStream(_buffer), options.Format, context.Producer, options.PacketSize, fsync: false, context.Clock);
        if (options.Format == MessageFormat.Dho) _dho = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        (_withType, _withRaw) = (options.MessageWithType, options.KeepRawField);
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        if (_dho is { } json)
        {
            // As IntelMQ's file output writes by default: no __type, no raw.
            foreach (var ev in events)
            {
                EventJson.WriteDho(json, ev, _withType, _withRaw);
                json.Flush();
                json.Reset();
                _buffer.Write("\n"u8);
            }
        }
        else
        {
            foreach (var ev in events) _writer.Write(ev);
            _writer.Flush();
        }
        try
        {
            _file.Append(_buffer.WrittenSpan);
            if (_fsync) _file.Sync();
        }
        catch (IOException ex)
        {
            // A full disk or a failing device says nothing about the events: retried, never dumped.
            throw new TransientException(ex.Message, ex);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _dho?.Dispose();
        _file.Dispose();
    }

    /// <summary>Collects a batch's lines in memory, so that the batch reaches the file in one write.</summary>
    sealed class BufferStream(ArrayBufferWriter<byte> buffer) : Stream
    {
        public override void Write(ReadOnlySpan<byte> data) => buffer.Write(data);
        public override void Write(byte[] data, int offset, int count) => buffer.Write(data.AsSpan(offset, count));
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => buffer.WrittenCount;
        public override long Position { get => buffer.WrittenCount; set => throw new NotSupportedException(); }
        public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
