using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Rsync;

/// <summary>
/// Mirrors one file with the rsync binary into a directory kept between runs (so only its changes travel) and hands
/// the file on as one report when its content changed.
/// </summary>
[Program("rsync-collector", ProgramKind.Collector, "Fetches one file with rsync and hands it on as one report when it changed.",
    Modules = ["intelmq.bots.collectors.rsync.collector_rsync"],
    Options = typeof(RsyncCollectorOptions),
    Description = """
        Every run calls `rsync --times [extra_params] rsync_path/file temp_directory/` (the rsync binary must be
        installed) and hands the fetched file on as one report, its name in custom.file_name (IntelMQ's
        extra.file_name). The file stays in temp_directory, so the next run transfers only what changed. The state
        remembers the file's SHA-256, stored only once the report is handed on: an unchanged file is not sent again.
        rsync_path is anything rsync takes as a source: a daemon (host::module/dir/ or rsync://host/module/dir/),
        ssh (user@host:dir/, with private_key or private_key_path; the host key is accepted unless
        strict_host_key_checking) or a local directory. With rsync_file_path_formatting, {time[FORMAT]} in file and
        rsync_path becomes today's date as in http_url_formatting. When rsync fails on the network (exit codes 5, 10,
        12, 30, 35) the run is tried again with backoff; any other failure (a file the server does not have: 23) is
        logged with rsync's message and tried at the next scheduled run. feed.* come from name, provider,
        accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["custom.file_name"],
    Examples = [
        "intelmq run rsync-collector --set rsync_path=blacksync.prolocation.net::surbl-wild/ --set file=wild.surbl.org.rbldnsd --set name='SURBL Malicious Domains' --output file:reports.jsonl",
        "intelmq run rsync-collector --set rsync_path=feeds@mirror.example.org:exports/ --set file='{time[%Y-%m-%d]}.csv' --set rsync_file_path_formatting=true --set private_key_path=/etc/intelmq/mirror.key --daemon --set rate_limit=3600",
    ])]
public sealed class RsyncCollector : ICollector
{
    const string HashKey = "sha256";
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    // rsync's exit codes for a network that failed: protocol start, socket I/O, protocol stream, timeouts.
    static readonly int[] TransientExitCodes = [5, 10, 12, 30, 35];

    readonly string _name;
    readonly string _file;
    readonly string _source;
    readonly UrlFormatting? _fileFormatting;
    readonly UrlFormatting? _sourceFormatting;
    readonly string _directory;
    readonly string[] _extraParams;
    readonly Secret? _privateKey;
    readonly string? _privateKeyPath;
    readonly bool _strictHostKeyChecking;
    readonly ProgramContext _context;

    /// <exception cref="ConfigurationException">No file or rsync_path, both private_key and private_key_path, or a temp_directory that cannot be made.</exception>
    public RsyncCollector(RsyncCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "rsync-collector";
        if (options.File is not { Length: > 0 } file)
            throw new ConfigurationException($"{_name}: option 'file' is missing: the file to fetch, e.g. --set file=wild.surbl.org.rbldnsd");
        if (options.RsyncPath is not { Length: > 0 } source)
            throw new ConfigurationException($"{_name}: option 'rsync_path' is missing: where to fetch from, e.g. --set rsync_path=host::module/dir/");
        if (options.PrivateKey is { IsEmpty: false } && options.PrivateKeyPath is { Length: > 0 })
            throw new ConfigurationException($"{_name}: give private_key or private_key_path, not both.");
        _file = file;
        _source = source;
        _fileFormatting = UrlFormatting.Parse(file, options.RsyncFilePathFormatting, "rsync_file_path_formatting", _name);
        _sourceFormatting = UrlFormatting.Parse(source, options.RsyncFilePathFormatting, "rsync_file_path_formatting", _name);
        _directory = Path.GetFullPath(options.TempDirectory is { Length: > 0 } temp ? temp
            : Path.Combine(context.DataDirectory ?? Path.Combine(Path.GetTempPath(), "intelmq-rsync"), _name));
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{_name}: cannot create temp_directory '{_directory}': {ex.Message}");
        }
        _extraParams = options.ExtraParams;
        _privateKey = options.PrivateKey is { IsEmpty: false } key ? key : null;
        _privateKeyPath = options.PrivateKeyPath is { Length: > 0 } keyPath ? keyPath : null;
        _strictHostKeyChecking = options.StrictHostKeyChecking;
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = _context.Clock.GetLocalNow();
        var file = _fileFormatting?.Format(now, _name) ?? _file;
        var source = (_sourceFormatting?.Format(now, _name) ?? _source).TrimEnd('/') + "/" + file.TrimStart('/');
        await FetchAsync(source, cancellationToken);

        var path = Path.Combine(_directory, Path.GetFileName(file));
        var body = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        string hash;
        try
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
            body.Position = 0;
        }
        catch
        {
            await body.DisposeAsync();
            throw;
        }
        if (hash == state.Get(HashKey))
        {
            await body.DisposeAsync();
            _context.Log.LogInformation("{Source}: unchanged since the last report (same SHA-256)", source);
            yield break;
        }
        var report = new Event(MessageKind.Report);
        report.Add(FileNameField, Path.GetFileName(file));
        yield return new CollectedReport(report, body) { Checkpoint = new Dictionary<string, string?> { [HashKey] = hash }, Origin = source };
    }

    async Task FetchAsync(string source, CancellationToken cancellationToken)
    {
        string? keyFile = null;
        try
        {
            var start = new ProcessStartInfo("rsync") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("--times");
            foreach (var parameter in _extraParams) start.ArgumentList.Add(parameter);
            if (_privateKey is not null || _privateKeyPath is not null)
            {
                keyFile = _privateKeyPath ?? WriteKey(_privateKey!);
                start.ArgumentList.Add("-e");
                start.ArgumentList.Add($"ssh -i '{keyFile}' -o StrictHostKeyChecking={(_strictHostKeyChecking ? "yes" : "no")} -o BatchMode=yes");
            }
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(source);
            start.ArgumentList.Add(_directory + "/");
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (Win32Exception ex)
            {
                throw new ConfigurationException($"{_name}: cannot run rsync ({ex.Message}); install it (apt-get install rsync).");
            }
            using (process)
            {
                var errors = process.StandardError.ReadToEndAsync(cancellationToken);
                var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
                try
                {
                    await process.WaitForExitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    throw;
                }
                await output;
                if (process.ExitCode == 0) return;
                var message = $"rsync from {source} failed with exit code {process.ExitCode}: {(await errors).Trim()}";
                if (TransientExitCodes.Contains(process.ExitCode)) throw new TransientException(message);
                throw new IOException(message);
            }
        }
        finally
        {
            if (keyFile is not null && _privateKeyPath is null) File.Delete(keyFile);
        }
    }

    // ssh reads a key only from a file, and refuses one others may read.
    static string WriteKey(Secret key)
    {
        var path = Path.Combine(Path.GetTempPath(), $"intelmq-rsync-key-{Guid.NewGuid():N}");
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, create))
            writer.Write(key.Reveal().TrimEnd() + "\n");
        return path;
    }
}
