using System.Globalization;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Threshold;

/// <summary>
/// The threshold's windows (key, start, count), kept so that they survive a restart: the changes of each delivered batch
/// are appended to a journal (<c>start TAB count TAB key</c>, one write each), and the file is rewritten whole (a
/// temporary file renamed over it) when it is opened and when the journal has grown to several times the windows. The last line of a key wins; a line cut by a crash is
/// skipped, losing at most that batch's counts.
/// </summary>
sealed class ThresholdState : IDisposable
{
    readonly string? _path;
    readonly IDisposable? _claim;
    AppendOnlyFile? _journal;
    long _journalLines;
    readonly Dictionary<string, (long Started, int Count)> _changed = new(StringComparer.Ordinal);

    public Dictionary<string, (long Started, int Count)> Windows { get; } = new(StringComparer.Ordinal);

    /// <param name="timeout">Windows that started this many milliseconds before <paramref name="now"/> are over and not loaded.</param>
    public ThresholdState(string? path, ProgramContext context, long now, long timeout)
    {
        _path = path;
        if (path is null) return;
        _claim = StateFile.Claim("threshold-expert", path, context, "run it as one process: the counts of a key must all be in one place");
        try
        {
            if (File.Exists(path))
                foreach (var line in File.ReadLines(path))
                {
                    var parts = line.Split('\t', 3);
                    if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
                        && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                        Windows[parts[2]] = (started, count);
                }
            foreach (var (key, window) in Windows)
                if (now - window.Started >= timeout) Windows.Remove(key);
            Rewrite(path);
            _journal = AppendOnlyFile.Open(path);
            _journalLines = Windows.Count;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _claim.Dispose();
            throw new ConfigurationException($"threshold-expert: cannot use the state file {path}: {ex.Message}");
        }
    }

    public string Describe(long now, long timeout) =>
        $"state {(_path ?? "in memory only")}: {Windows.Count(w => now - w.Value.Started < timeout)} open windows";

    public void Set(string key, long started, int count)
    {
        Windows[key] = (started, count);
        _changed[key] = (started, count);
    }

    /// <summary>Appends the changes since the last call, in one write.</summary>
    public void Commit()
    {
        if (_changed.Count == 0) return;
        _journal?.Append(Encoding.UTF8.GetBytes(Lines(_changed)));
        _journalLines += _changed.Count;
        _changed.Clear();
        // Every event rewrites its key's line: compact once the journal is mostly superseded lines.
        if (_path is null || _journalLines < Math.Max(100_000, 4L * Windows.Count)) return;
        _journal?.Dispose();
        Rewrite(_path);
        _journal = AppendOnlyFile.Open(_path);
        _journalLines = Windows.Count;
    }

    static string Lines(IEnumerable<KeyValuePair<string, (long Started, int Count)>> windows)
    {
        var text = new StringBuilder();
        foreach (var (key, (started, count)) in windows)
            text.Append(started.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(key).Append('\n');
        return text.ToString();
    }

    // A temporary file, flushed to disk, renamed over the old one: a crash leaves one or the other.
    void Rewrite(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(Lines(Windows)));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    // The journal holds every delivered change; what was not delivered is left out, so its batch is counted when it comes again.
    public void Dispose()
    {
        _journal?.Dispose();
        _claim?.Dispose();
    }
}
