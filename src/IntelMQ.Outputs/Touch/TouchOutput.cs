using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Outputs.Touch;

/// <summary>Sets a file's modification time when events arrive, for monitoring that a path still carries events.</summary>
[Program("touch-output", ProgramKind.Output, "Touches a file when events arrive, so a monitor can see the path is alive.",
    Modules = ["intelmq.bots.outputs.touch.output"],
    Options = typeof(TouchOutputOptions),
    Description = """
        Sets the modification time of the file at path to now for every batch it receives (once per batch, not
        per event: the time is the same to a monitor), creating the file empty when it is missing, as IntelMQ's
        touch output does; the events themselves are not written. A file that cannot be created or touched (a full
        disk, a missing permission) retries the batch.
        """,
    Examples = ["intelmq run touch-output --set path=/var/lib/intelmq/alive < events.jsonl"])]
public sealed class TouchOutput : IOutput
{
    readonly string _path;

    public TouchOutput(TouchOutputOptions options, ProgramContext context)
    {
        if (options.Path.Length == 0) throw new ConfigurationException("touch-output: option 'path' is empty; give the file to touch, e.g. --set path=/var/lib/intelmq/alive.");
        _path = options.Path;
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(_path)) is { } directory) Directory.CreateDirectory(directory);
            using (new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write)) { }
            File.SetLastWriteTimeUtc(_path, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TransientException($"touch-output: {_path}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }
}
