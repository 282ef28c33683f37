using System.Globalization;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Outputs.Lists;

/// <summary>
/// A list file (an RPZ zone, a Zeek intel file) rewritten whole from every entry ever written to it: the entries are
/// kept in PATH.entries beside it, so a restart loses none, and every update runs read-merge-write-rename under the
/// lock on PATH.lock, so several processes writing one list never lose each other's entries and a reader (a name
/// server, Zeek) only ever sees a complete file.
/// </summary>
internal sealed class AccumulatedList
{
    readonly string _statePath, _lockPath;

    public AccumulatedList(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _statePath = Path + ".entries";
        _lockPath = Path + ".lock";
    }

    public string Path { get; }

    /// <summary>One line of the list: its key (the indicator), the line written for it, and when it was last written.</summary>
    public readonly record struct Entry(string Key, string Line, long LastSeen);

    /// <summary>
    /// Merges <paramref name="added"/> (key to line; a key already there gets the new line) into the list, drops entries
    /// not written for <paramref name="expireAfter"/> (when given), and rewrites the file with what <paramref name="render"/>
    /// makes of the entries (sorted by key) and the file's previous content (null when there was none).
    /// </summary>
    /// <exception cref="IOException">The list cannot be read or written.</exception>
    public void Update(IReadOnlyDictionary<string, string> added, DateTimeOffset now, TimeSpan? expireAfter, Func<IReadOnlyList<Entry>, string?, string> render)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var held = AppendOnlyFile.LockExclusive(_lockPath);
        var entries = Read();
        var seen = now.ToUnixTimeSeconds();
        foreach (var (key, line) in added) entries[key] = new Entry(key, line, seen);
        if (expireAfter is { } expiry)
        {
            var oldest = seen - (long)expiry.TotalSeconds;
            foreach (var entry in entries.Values.Where(e => e.LastSeen < oldest).ToList()) entries.Remove(entry.Key);
        }
        var sorted = entries.Values.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        var previous = File.Exists(Path) ? File.ReadAllText(Path) : null;
        var state = new StringBuilder();
        foreach (var entry in sorted)
            state.Append(entry.LastSeen.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(entry.Key).Append('\t').Append(entry.Line).Append('\n');
        // The entries first: a crash between the two renames leaves entries the next update writes into the list.
        AtomicFile.Replace(_statePath, state.ToString());
        AtomicFile.Replace(Path, render(sorted, previous));
    }

    Dictionary<string, Entry> Read()
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (!File.Exists(_statePath)) return entries;
        foreach (var line in File.ReadLines(_statePath))
        {
            var parts = line.Split('\t', 3);
            if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lastSeen))
                entries[parts[1]] = new Entry(parts[1], parts[2], lastSeen);
        }
        return entries;
    }
}
