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
        with the reason (counted; to drop_path when one is set), also those after it in the same window. A daemon keeps
        the counts in a state file in the program's data directory (<id>.threshold.tsv), committed after each batch was
        handed on, so windows survive a restart and a batch that is redelivered is not counted twice; a one-shot run
        starts with empty windows, as a new IntelMQ bot with an empty cache does. The counts serve one process: a daemon
        with --processes, or one whose file another process holds, refuses to start. The key is IntelMQ's message
        hash, time.observation and the event id left out.
        """,
    FieldsWritten = ["custom.count"],
    Examples = ["intelmq run threshold-expert --set filter_keys=source.ip --set threshold=10 --set timeout=3600 < events.jsonl"])]
public sealed class ThresholdExpert : IExpert, IDeliveryAware, ISelfTest, IDisposable
{
    const string Program = "threshold-expert";
    readonly MessageHash _hash;
    readonly int _threshold;
    readonly long _timeout;
    readonly TimeProvider _clock;
    readonly List<(string Field, object Value)> _add = [];
    readonly ThresholdState _state;

    public ThresholdExpert(ThresholdExpertOptions options, ProgramContext context)
    {
        var whitelist = options.FilterType switch
        {
            "whitelist" => true,
            "blacklist" => false,
            _ => throw new ConfigurationException($"{Program}: option 'filter_type' is '{options.FilterType}'; give whitelist or blacklist."),
        };
        _hash = new MessageHash(options.FilterKeys.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(key => DhoMapping.ToDho(IntelMQFields.Require(Program, "filter_keys", key)) ?? key), whitelist);
        _threshold = options.Threshold;
        _timeout = options.Timeout * 1000L; // in milliseconds: whole seconds split a burst that straddles a second
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
        _state = new ThresholdState(context.Daemon && context.DataDirectory is { } dir ? Path.Combine(dir, $"{(context.Id.Length > 0 ? context.Id : "threshold")}.threshold.tsv") : null,
            context, Now(), _timeout);
    }

    public void Process(Event ev, IEmitter output)
    {
        var now = Now();
        var key = _hash.Of(ev);
        var (started, count) = _state.Windows.TryGetValue(key, out var window) && now - window.Started < _timeout ? window : (now, 0);
        _state.Set(key, started, ++count);
        if (_state.Windows.Count > 100_000) Sweep(now);
        if (count != _threshold)
        {
            output.Drop(ev, $"threshold: {count} of {_threshold} events with this key in {_timeout / 1000} s");
            return;
        }
        ev.TryAdd("custom.count", (long)count, overwrite: true);
        foreach (var (field, value) in _add) ev.TryAdd(field, value, overwrite: true);
        output.Emit(ev);
    }

    /// <summary>Commits the counts of the batch that was handed on.</summary>
    public void Delivered() => _state.Commit();

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([_state.Describe(Now(), _timeout)]);

    long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    void Sweep(long now)
    {
        foreach (var (key, window) in _state.Windows)
            if (now - window.Started >= _timeout) _state.Windows.Remove(key);
    }

    public void Dispose() => _state.Dispose();
}
