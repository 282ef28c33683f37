using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Azure;

/// <summary>
/// The marks (an ETag, a modification time) of the blobs or files a collector handed on, kept in one state key as a
/// JSON object by name. Only the marks of the names the run takes from its listing are kept: a name no longer listed,
/// or fallen out of the collector's window, is never fetched again, so its mark would only grow the state.
/// </summary>
sealed class ListedMarks
{
    // ETags are quoted: left as \" rather than \u0022, so the state file stays readable.
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly string _key;
    readonly SortedDictionary<string, string> _marks = new(StringComparer.Ordinal);

    /// <exception cref="ConfigurationException">The key holds something else than a JSON object of strings (an edited state).</exception>
    public ListedMarks(ICollectorState state, string key, IReadOnlySet<string> listed)
    {
        _key = key;
        if (state.Get(key) is not { Length: > 0 } stored) return;
        Dictionary<string, string>? marks;
        try
        {
            marks = JsonSerializer.Deserialize<Dictionary<string, string>>(stored);
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"the state's '{key}' is not a JSON object of names and marks ({ex.Message}); fix it, or remove the key to fetch every listed one again.");
        }
        foreach (var (name, mark) in marks ?? [])
        {
            if (listed.Contains(name)) _marks[name] = mark;
            else Forgotten++;
        }
    }

    /// <summary>How many stored marks this run's listing no longer has.</summary>
    public int Forgotten { get; }

    public bool Has(string name, string mark) => _marks.TryGetValue(name, out var stored) && stored == mark;

    /// <summary>The marks to store once <paramref name="name"/> is handed on, its own included.</summary>
    public IReadOnlyDictionary<string, string?> With(string name, string mark)
    {
        _marks[name] = mark;
        return Checkpoint();
    }

    /// <summary>The marks kept, for a run that hands nothing on but forgets some.</summary>
    public IReadOnlyDictionary<string, string?> Checkpoint() => new Dictionary<string, string?> { [_key] = JsonSerializer.Serialize(_marks, Json) };
}
