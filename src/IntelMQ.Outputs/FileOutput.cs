using IntelMQ.Core;
using IntelMQ.Runtime;

namespace IntelMQ.Outputs;

/// <summary>Appends events to a file as NDJSON, IDF packets or IntelMQ DHO lines.</summary>
[Program("file-output", ProgramKind.Output, "Appends events to a file as NDJSON, IDF packets or IntelMQ JSON lines, optionally fsynced.",
    Modules = ["intelmq.bots.outputs.file.output"],
    Options = typeof(FileOutputOptions),
    Description = """
        Appends every event it receives to one file. format=ndjson writes one IDF event per line (the default),
        idf writes IDF packets, dho writes IntelMQ's own JSON lines so that tools reading IntelMQ's file output keep
        working. Events count as delivered after the file is flushed (and fsynced with fsync=true).
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run file-output --set path=events.jsonl < events.jsonl", "intelmq run file-output --set path=events.txt --set format=dho --set fsync=true < events.jsonl"])]
public sealed class FileOutput : IOutput
{
    readonly MessageWriter _writer;

    public FileOutput(FileOutputOptions options)
    {
        try
        {
            var full = Path.GetFullPath(options.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
            _writer = new MessageWriter(stream, options.Format, Installation.Producer, options.PacketSize, options.Fsync);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"file-output: cannot open '{options.Path}' for appending: {ex.Message}");
        }
    }

    public void Write(Event ev) => _writer.Write(ev);

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
