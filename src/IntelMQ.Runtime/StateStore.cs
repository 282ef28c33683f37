using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;

namespace IntelMQ.Runtime;

/// <summary>
/// A collector instance's committed state: one JSON object of string keys and values in <c>$STATE/collectors/ID.json</c>.
/// A commit writes a temporary file, fsyncs it, renames it over the old one and fsyncs the directory, so a crash
/// leaves the old state or the new one, never a mix. The instance holds an exclusive lock (<see cref="AppendOnlyFile.TryLockExclusive"/> on
/// <c>ID.json.lock</c>) while it runs: a second process of the same id is refused at start, since two collectors
/// of one source would hand every report on twice.
/// </summary>
public sealed partial class StateStore : ICollectorState, IDisposable
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly Dictionary<string, string> _values;
    readonly IDisposable _lock;

    StateStore(string path, IDisposable lockFile, Dictionary<string, string> values)
    {
        Path = path;
        _lock = lockFile;
        _values = values;
    }

    public string Path { get; }

    /// <summary>Where an instance's state lives by default: <c>$STATE/collectors/ID.json</c>.</summary>
    public static string PathFor(string instanceId) => System.IO.Path.Combine(Installation.StateDirectory, "collectors", instanceId + ".json");

    /// <summary>Takes the instance's lock and loads what earlier runs committed (nothing, the first time).</summary>
    /// <exception cref="ConfigurationException">Another process holds the lock, or the file is not a state file.</exception>
    public static StateStore Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        IDisposable? lockFile;
        try
        {
            lockFile = AppendOnlyFile.TryLockExclusive(path + ".lock");
        }
        catch (IOException ex)
        {
            throw new ConfigurationException($"cannot use the collector state {path}: {ex.Message}");
        }
        if (lockFile is null)
            throw new ConfigurationException($"{path} is in use: another process runs this collector instance (it holds {path}.lock). Stop it first, or give this one another --id.");
        try
        {
            return new StateStore(path, lockFile, Load(path));
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    static Dictionary<string, string> Load(string path)
    {
        if (!File.Exists(path)) return new(StringComparer.Ordinal);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(path)) is { } values
                ? new(values, StringComparer.Ordinal)
                : throw new JsonException("it holds null, not an object");
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"the collector state {path} is not a JSON object of strings ({ex.Message}). "
                                             + "Fix it, or delete it to start afresh (the collector then fetches what it finds again).");
        }
    }

    public string? Get(string key) => _values.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Applies a report's checkpoint (a null value removes its key) and makes it durable before returning.</summary>
    public void Commit(IReadOnlyDictionary<string, string?> changes)
    {
        if (changes.Count == 0) return;
        foreach (var (key, value) in changes)
        {
            if (value is null) _values.Remove(key);
            else _values[key] = value;
        }
        var temp = Path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, new SortedDictionary<string, string>(_values, StringComparer.Ordinal), Json);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
        SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
    }

    // The rename is durable only once the directory entry is: fsync the directory.
    static void SyncDirectory(string directory)
    {
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open {directory} to make the new state durable (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            Close(fd);
        }
    }

    public void Dispose() => _lock.Dispose(); // closing the descriptor releases the lock

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
