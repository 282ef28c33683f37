using System.IO.Enumeration;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Collectors;

/// <summary>Reads report files from a directory: one report per file, its body the file itself (streamed).</summary>
[Program("file-collector", ProgramKind.Collector, "Reads report files from a directory, one report per file; deletes, moves or remembers each once it is handed on.",
    Modules = ["intelmq.bots.collectors.file.collector_file"],
    Options = typeof(FileCollectorOptions),
    Description = """
        Every run reads the files of one directory whose names end with postfix (default .csv) or match glob, in
        name order, and hands each on as one report: the file's content is the report's body, its name is
        custom.file_name (IntelMQ's extra.file_name), from which the Shadowserver parser takes the report type.
        With chunk_size, a file is split at line ends into reports of at most that many bytes (for files larger
        than a message may be), each beginning with the header line when chunk_replicate_header is true (the default).
        Only once its report (its last part) is confirmed by every output channel is the file deleted
        (delete_file), moved (move_to), or, by default, remembered: the state records its name, size and
        modification time, so an unchanged file is not sent again and a changed one is. A file that changes
        between being read and being deleted or moved is left in place and sent again. Write files elsewhere and
        rename them into the directory, so that none is read half-written. feed.* come from the run's name,
        provider, accuracy, code and documentation settings (docs/collectors.md).
        """,
    FieldsWritten = ["custom.file_name"],
    Examples = [
        "intelmq run file-collector --set path=/var/spool/shadowserver --set name=Shadowserver --output file:reports.jsonl",
        "intelmq run file-collector --set path=/var/spool/shadowserver --set glob='*-scan_*.csv' --set move_to=/var/spool/shadowserver/done --daemon --set rate_limit=300",
    ])]
public sealed class FileCollector : ICollector
{
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;

    readonly string _directory;
    readonly string _pattern;
    readonly bool _delete;
    readonly string? _moveTo;
    readonly long? _chunkSize;
    readonly bool _replicateHeader;

    /// <exception cref="ConfigurationException">No such directory, both delete_file and move_to, or a pattern that would delete or move every file.</exception>
    public FileCollector(FileCollectorOptions options)
    {
        if (options.Path is not { Length: > 0 } path)
            throw new ConfigurationException("file-collector: option 'path' is missing: the directory to read, e.g. --set path=/var/spool/intelmq/shadowserver");
        if (!Directory.Exists(path))
            throw new ConfigurationException($"file-collector: path '{path}' is not a directory.");
        if (options.DeleteFile && options.MoveTo is { Length: > 0 })
            throw new ConfigurationException("file-collector: give delete_file or move_to, not both.");
        _directory = System.IO.Path.GetFullPath(path);
        _pattern = options.Glob is { Length: > 0 } glob ? glob : "*" + options.Postfix;
        _delete = options.DeleteFile;
        _chunkSize = options.ChunkSize;
        _replicateHeader = options.ChunkReplicateHeader;
        if (_pattern == "*" && (_delete || options.MoveTo is { Length: > 0 }))
            throw new ConfigurationException($"file-collector: with neither postfix nor glob every file in {_directory} would be {(_delete ? "deleted" : "moved")}; give a postfix (e.g. .csv) or a glob.");
        if (options.MoveTo is { Length: > 0 } moveTo)
        {
            _moveTo = System.IO.Path.GetFullPath(moveTo);
            if (_moveTo == _directory) throw new ConfigurationException("file-collector: move_to must be another directory than path.");
            try
            {
                Directory.CreateDirectory(_moveTo);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"file-collector: cannot create move_to '{moveTo}': {ex.Message}");
            }
        }
    }

    public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
        Collect(state, cancellationToken).ToAsyncEnumerable();

    IEnumerable<CollectedReport> Collect(ICollectorState state, CancellationToken cancellationToken)
    {
        var files = new DirectoryInfo(_directory).EnumerateFiles("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None })
            .Where(f => FileSystemName.MatchesSimpleExpression(_pattern, f.Name, ignoreCase: false))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = "file:" + file.Name;
            var seen = Fingerprint(file);
            if (seen is null || state.Get(key) == seen) continue;
            FileStream body;
            try
            {
                body = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                continue; // taken away since the listing
            }
            var checkpoint = new Dictionary<string, string?> { [key] = seen };
            Func<CancellationToken, ValueTask>? commit = _delete || _moveTo is not null ? _ => Complete(file.FullName, seen) : null;
            if (_chunkSize is not { } chunkSize)
            {
                yield return new CollectedReport(Report(file.Name), body) { Checkpoint = checkpoint, Commit = commit, Origin = file.FullName };
                continue;
            }
            using (body)
            {
                var number = 0;
                // Only the last part carries the checkpoint and the commit: a run stopped between parts sends the whole file again.
                foreach (var (part, last) in LineChunks.Split(body, chunkSize, _replicateHeader))
                    yield return new CollectedReport(Report(file.Name), part)
                    {
                        Checkpoint = last ? checkpoint : new Dictionary<string, string?>(),
                        Commit = last ? commit : null,
                        Origin = $"{file.FullName} (part {++number})",
                    };
            }
        }
    }

    static Event Report(string fileName)
    {
        var report = new Event(MessageKind.Report);
        report.Add(FileNameField, fileName);
        return report;
    }

    // Size and modification time: what tells an unchanged file from a changed one without reading it again.
    static string? Fingerprint(FileInfo file)
    {
        file.Refresh();
        return file.Exists ? $"{file.Length} {file.LastWriteTimeUtc:O}" : null;
    }

    ValueTask Complete(string path, string handedOn)
    {
        if (Fingerprint(new FileInfo(path)) != handedOn)
            throw new IOException($"{path} changed after it was read; it is left in place and sent again with the next run");
        if (_moveTo is null) File.Delete(path);
        else
        {
            var name = System.IO.Path.GetFileName(path);
            var target = System.IO.Path.Combine(_moveTo, name);
            if (File.Exists(target)) target = System.IO.Path.Combine(_moveTo, $"{name}.{DateTime.UtcNow:yyyyMMdd'T'HHmmssfffffff}");
            File.Move(path, target);
        }
        return ValueTask.CompletedTask;
    }
}
