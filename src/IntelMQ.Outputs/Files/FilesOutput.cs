using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Files;

/// <summary>Writes every event to a file of its own, maildir style: written and fsynced in tmp, then renamed into dir.</summary>
[Program("files-output", ProgramKind.Output, "Writes every event to a file of its own, maildir style: into tmp, fsynced, then renamed into dir.",
    Modules = ["intelmq.bots.outputs.files.output"],
    Options = typeof(FilesOutputOptions),
    Description = """
        Each event becomes one file holding IntelMQ's JSON of the event (without __type and raw, nested with
        hierarchical_output) or, with single_key, that field's value alone (raw: the original data). As a maildir
        delivers, the file is written in tmp and fsynced, then renamed into dir, so that a reader of dir never sees a
        half-written file; dir is fsynced once per batch before the batch counts as written. File names are unique
        across processes and hosts, as maildir names them: SECONDS.M<microseconds>P<pid>Q<counter>.HOST, plus suffix. An event without the single_key
        field is refused; a full disk or an unwritable directory retries the batch later.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run files-output --set dir=/srv/intelmq/incoming --set tmp=/srv/intelmq/tmp < events.jsonl"])]
public sealed partial class FilesOutput : IOutput
{
    const string Program = "files-output";

    readonly FilesOutputOptions _options;
    readonly string _dir, _tmp, _host;
    readonly string? _singleKey;
    readonly TimeProvider _clock;
    long _counter;

    public FilesOutput(FilesOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        if (options.SingleKey.Length > 0)
            _singleKey = IntelMQFields.Path(options.SingleKey) ?? throw new ConfigurationException($"{Program}: option 'single_key': '{options.SingleKey}' is neither an IntelMQ nor an IDF field name.");
        (_dir, _tmp) = (Path.GetFullPath(options.Dir), Path.GetFullPath(options.Tmp));
        try
        {
            Directory.CreateDirectory(_dir);
            Directory.CreateDirectory(_tmp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Program}: options 'dir' and 'tmp': {ex.Message}. Give writable directories on one file system.");
        }
        _host = Environment.MachineName.Replace('/', '_').Replace(':', '_');
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                byte[] content;
                if (_singleKey is null) content = IntelMQFields.Message(events[i], _options.HierarchicalOutput, withType: false, withRaw: false);
                else if (IntelMQFields.Text(events[i], _singleKey) is { } value) content = Encoding.UTF8.GetBytes(value);
                else
                {
                    results[i] = WriteResult.Refused($"{Program}: the event has no field '{_options.SingleKey}' (single_key)");
                    continue;
                }
                Deliver(content);
            }
            SyncDirectory(_dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Files already renamed into dir are written again on the retry: at least once, never lost.
            throw new TransientException($"{Program}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    void Deliver(byte[] content)
    {
        var now = _clock.GetUtcNow();
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{now.ToUnixTimeSeconds()}.M{now.Ticks / 10 % 1_000_000}P{Environment.ProcessId}Q{Interlocked.Increment(ref _counter)}.{_host}{_options.Suffix}");
        var temporary = Path.Combine(_tmp, name);
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, Path.Combine(_dir, name));
    }

    /// <summary>fsync on the directory, so that the renames into it survive a power cut.</summary>
    static void SyncDirectory(string path)
    {
        var fd = OpenDirectory(path, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (SyncFile(fd) != 0) throw new IOException($"cannot fsync '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            CloseFile(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenDirectory(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int SyncFile(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseFile(int fd);
}
