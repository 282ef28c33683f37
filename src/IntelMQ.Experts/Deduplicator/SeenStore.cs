using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// The embedded store: keys, when their marks expire and what they hold, kept in memory and appended to a file
/// (<c>expiry TAB key</c>, then <c>TAB value</c> when the mark holds one) so that they survive a restart. The file is
/// compacted when it is opened.
/// </summary>
sealed class SeenStore : ISeenStore
{
    // Expired marks are swept once the new ones since the last sweep are half the marks held (at least this many), so
    // memory follows the number of live keys and a sweep costs two marks read per new one, however many are held.
    const int SweepEvery = 100_000;

    readonly Dictionary<SeenKey, SeenMark> _marks = [];
    // Marked since the last hand-off, for the file.
    readonly List<(SeenKey Key, SeenMark Mark)> _added = [];
    readonly AppendOnlyFile? _file;
    readonly IDisposable? _claim;
    readonly string? _path;
    int _sinceSweep;
    ArrayBufferWriter<byte> _lines = new();

    public SeenStore(string program, string? path, ProgramContext context, long now)
    {
        _path = path;
        if (path is null) return;
        _claim = StateFile.Claim(program, path, context, "give store=redis to share the marks between processes");
        try
        {
            if (File.Exists(path))
                foreach (var line in File.ReadLines(path))
                {
                    var parts = line.Split('\t');
                    // A line cut by a crash is skipped: at worst one duplicate passes again.
                    if (parts.Length >= 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && expires > now)
                        _marks[SeenKey.Parse(parts[1])] = new SeenMark(expires, parts.Length > 2 ? parts[2] : null);
                }
            foreach (var (key, mark) in _marks) Append(key, mark);
            var temp = path + ".tmp";
            File.WriteAllBytes(temp, _lines.WrittenSpan);
            File.Move(temp, path, overwrite: true);
            _lines = new ArrayBufferWriter<byte>();
            _file = AppendOnlyFile.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _claim.Dispose();
            throw new ConfigurationException($"{program}: cannot use the state file {path}: {ex.Message}");
        }
    }

    // One lookup finds a live mark or makes the new one: a process's marks are in memory from the start, and only the
    // file waits for the hand-off (a crash before it loses the memory, and the file never had them).
    public string? FindOrAdd(SeenKey key, SeenMark mark, long now)
    {
        ref var held = ref CollectionsMarshal.GetValueRefOrAddDefault(_marks, key, out var exists);
        if (exists && held.Expires > now) return held.Value ?? "";
        held = mark;
        _added.Add((key, mark));
        return null;
    }

    public void Delivered(long now)
    {
        if (_added.Count == 0) return;
        if (_file is not null)
        {
            // Written as UTF-8 straight into one buffer, one write(2) for the batch.
            _lines.ResetWrittenCount();
            foreach (var (key, mark) in _added) Append(key, mark);
            _file.Append(_lines.WrittenSpan);
            if (_lines.Capacity > 1 << 20) _lines = new ArrayBufferWriter<byte>(); // one large batch does not pin its buffer
        }
        _sinceSweep += _added.Count;
        _added.Clear();
        if (_sinceSweep < Math.Max(SweepEvery, _marks.Count / 2)) return;
        _sinceSweep = 0;
        foreach (var (k, mark) in _marks)
            if (mark.Expires <= now) _marks.Remove(k);
    }

    public string Describe(long now) =>
        $"embedded store {(_path ?? "in memory only")}: {_marks.Count(m => m.Value.Expires > now)} live keys";

    void Append(SeenKey key, SeenMark mark)
    {
        Utf8Formatter.TryFormat(mark.Expires, _lines.GetSpan(20), out var written);
        _lines.Advance(written);
        _lines.Write("\t"u8);
        key.WriteTo(_lines);
        if (mark.Value is not null)
        {
            _lines.Write("\t"u8);
            Encoding.UTF8.GetBytes(mark.Value, _lines);
        }
        _lines.Write("\n"u8);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _claim?.Dispose();
    }
}
