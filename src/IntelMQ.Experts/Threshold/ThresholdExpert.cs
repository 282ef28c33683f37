using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Threshold;

/// <summary>Passes an event on only when its key was seen threshold times within a window, as IntelMQ's threshold expert does.</summary>
[Program("threshold-expert", ProgramKind.Expert, "Passes on one event, with extra.count, when threshold events with the same key arrived within timeout seconds.",
    Modules = ["intelmq.bots.experts.threshold.expert"],
    Options = typeof(ThresholdExpertOptions),
    Description = """
        Counts events by a key (the filter_keys fields with filter_type=whitelist, all other fields with blacklist)
        over a window of timeout seconds that starts with a key's first event. The event that brings the count to
        threshold is passed on with extra.count set to the count and the add_keys fields set; the others are dropped
        with the reason (counted; to drop_path when one is set), also those after it in the same window. The counts
        are kept in memory: a restart starts every window again.
        """,
    FieldsWritten = ["custom.count"],
    Examples = ["intelmq run threshold-expert --set filter_keys=source.ip --set threshold=10 --set timeout=3600 < events.jsonl"])]
public sealed class ThresholdExpert : IExpert
{
    const string Program = "threshold-expert";
    readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    readonly bool _whitelist;
    readonly int _threshold;
    readonly long _timeout;
    readonly TimeProvider _clock;
    readonly List<(string Field, object Value)> _add = [];
    readonly Dictionary<string, (long Started, int Count)> _windows = new(StringComparer.Ordinal);

    public ThresholdExpert(ThresholdExpertOptions options, ProgramContext context)
    {
        _whitelist = options.FilterType switch
        {
            "whitelist" => true,
            "blacklist" => false,
            _ => throw new ConfigurationException($"{Program}: option 'filter_type' is '{options.FilterType}'; give whitelist or blacklist."),
        };
        foreach (var key in options.FilterKeys.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            _keys.Add(IntelMQFields.Require(Program, "filter_keys", key));
        _threshold = options.Threshold;
        _timeout = options.Timeout;
        _clock = context.Clock;
        JsonObject? add;
        try
        {
            add = JsonNode.Parse(options.AddKeys.Length == 0 ? "{}" : options.AddKeys) as JsonObject;
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"{Program}: option 'add_keys' is not JSON: {ex.Message}");
        }
        if (add is null) throw new ConfigurationException($"{Program}: option 'add_keys' must be a JSON object such as {{\"comment\": \"many\"}}.");
        foreach (var (name, value) in add)
            _add.Add((IntelMQFields.Require(Program, "add_keys", name),
                FieldNormalizer.Unwrap(value?.DeepClone() ?? throw new ConfigurationException($"{Program}: option 'add_keys': {name} is null."))!));
    }

    public void Process(Event ev, IEmitter output)
    {
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        var key = Key(ev);
        var (started, count) = _windows.TryGetValue(key, out var window) && now - window.Started < _timeout ? window : (now, 0);
        _windows[key] = (started, ++count);
        if (_windows.Count > 100_000) Sweep(now);
        if (count != _threshold)
        {
            output.Drop(ev, $"threshold: {count} of {_threshold} events with this key in {_timeout} s");
            return;
        }
        ev.TryAdd("custom.count", (long)count, overwrite: true);
        foreach (var (field, value) in _add) ev.TryAdd(field, value, overwrite: true);
        output.Emit(ev);
    }

    void Sweep(long now)
    {
        foreach (var (key, window) in _windows)
            if (now - window.Started >= _timeout) _windows.Remove(key);
    }

    string Key(Event ev)
    {
        var chosen = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (path, value) in ev.Fields)
            if (path != Event.IdField && _keys.Contains(path) == _whitelist)
                chosen[path] = value is JsonNode json ? json.DeepClone() : JsonSerializer.SerializeToNode(value);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(new JsonObject([.. chosen]).ToJsonString())));
    }
}
