using System.Globalization;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// The embedded store: keys and when their marks expire, kept in memory and appended to a file (<c>expiry TAB key</c>)
/// so that they survive a restart. The file is compacted when it is opened.
/// </summary>
sealed class SeenStore : ISeenStore
{
    // Expired marks are swept after this many new ones, so memory follows the number of live keys.
    const int SweepEvery = 100_000;

    readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);
    readonly AppendOnlyFile? _file;
    readonly string? _path;
    int _sinceSweep;

    public SeenStore(string? path, long now)
    {
        _path = path;
        if (path is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            if (File.Exists(path))
                foreach (var line in File.ReadLines(path))
                {
                    var parts = line.Split('\t');
                    // A line cut by a crash is skipped: at worst one duplicate passes again.
                    if (parts.Length >= 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && expires > now)
                        _marks[parts[1]] = expires;
                }
            var temp = path + ".tmp";
            File.WriteAllText(temp, string.Concat(_marks.Select(m => Line(m.Key, m.Value))));
            File.Move(temp, path, overwrite: true);
            _file = AppendOnlyFile.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"deduplicator-expert: cannot use the state file {path}: {ex.Message}");
        }
    }

    public bool Contains(string key, long now) => _marks.TryGetValue(key, out var expires) && expires > now;

    public void Mark(IReadOnlyDictionary<string, long> marks, long now)
    {
        var lines = new StringBuilder();
        foreach (var (key, expires) in marks)
        {
            if (Contains(key, now)) continue;
            _marks[key] = expires;
            lines.Append(Line(key, expires));
        }
        if (lines.Length > 0) _file?.Append(Encoding.UTF8.GetBytes(lines.ToString()));
        _sinceSweep += marks.Count;
        if (_sinceSweep < SweepEvery) return;
        _sinceSweep = 0;
        foreach (var (k, expires) in _marks)
            if (expires <= now) _marks.Remove(k);
    }

    public string Describe(long now) =>
        $"embedded store {(_path ?? "in memory only")}: {_marks.Count(m => m.Value > now)} live keys";

    static string Line(string key, long expires) => $"{expires.ToString(CultureInfo.InvariantCulture)}\t{key}\n";

    public void Dispose() => _file?.Dispose();
}
