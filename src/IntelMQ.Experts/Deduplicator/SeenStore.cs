using System.Globalization;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// Keys seen, with the id of the event that first had each and when the mark expires; kept in memory and appended to a
/// file (<c>expiry TAB key TAB id</c>) so that they survive a restart. The file is compacted when it is opened.
/// </summary>
sealed class SeenStore : IDisposable
{
    // Expired marks are swept after this many new ones, so memory follows the number of live keys.
    const int SweepEvery = 100_000;

    readonly Dictionary<string, (string Id, long Expires)> _marks = new(StringComparer.Ordinal);
    readonly AppendOnlyFile? _file;
    int _sinceSweep;

    public SeenStore(string? path, long now)
    {
        if (path is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            if (File.Exists(path))
                foreach (var line in File.ReadLines(path))
                {
                    var parts = line.Split('\t');
                    // A line cut by a crash is skipped: at worst one duplicate passes again.
                    if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && expires > now)
                        _marks[parts[1]] = (parts[2], expires);
                }
            var temp = path + ".tmp";
            File.WriteAllLines(temp, _marks.Select(m => Line(m.Key, m.Value.Id, m.Value.Expires).TrimEnd('\n')));
            File.Move(temp, path, overwrite: true);
            _file = AppendOnlyFile.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"deduplicator-expert: cannot use the state file {path}: {ex.Message}");
        }
    }

    /// <returns>The id of the event that holds the key, or null when no live mark has it.</returns>
    public string? Holder(string key, long now) => _marks.TryGetValue(key, out var mark) && mark.Expires > now ? mark.Id : null;

    public void Mark(string key, string id, long expires, long now)
    {
        _marks[key] = (id, expires);
        _file?.Append(Encoding.UTF8.GetBytes(Line(key, id, expires)));
        if (++_sinceSweep < SweepEvery) return;
        _sinceSweep = 0;
        foreach (var (k, m) in _marks)
            if (m.Expires <= now) _marks.Remove(k);
    }

    static string Line(string key, string id, long expires) => $"{expires.ToString(CultureInfo.InvariantCulture)}\t{key}\t{id}\n";

    public void Dispose() => _file?.Dispose();
}
