using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>Drops events seen before within a time window, as IntelMQ's deduplicator expert does, without losing retried events.</summary>
[Program("deduplicator-expert", ProgramKind.Expert, "Drops an event when an event with the same identifying fields was passed on within ttl seconds.",
    Modules = ["intelmq.bots.experts.deduplicator.expert"],
    Options = typeof(DeduplicatorExpertOptions),
    Description = """
        An event's key is a SHA-256 over its fields, all but filter_keys (filter_type=blacklist) or only filter_keys
        (whitelist); its event.id is never part of it. The first event with a key is passed on and the key remembered
        for ttl seconds together with a fingerprint of the whole message; a later event with the key is dropped with
        the reason (counted; to drop_path when one is set). The same message coming again, because the input
        redelivered it after a crash before its hand-off was confirmed, has the same fingerprint and passes again:
        unlike IntelMQ's, this deduplicator does not lose an event whose hand-off failed (an exact repeat of a message
        within ttl passes too). Keys are kept in a state file in the
        program's data directory (<id>.seen.tsv), so they survive a restart; instances that must share keys
        need one data directory and one instance id.
        """,
    Examples = ["intelmq run deduplicator-expert --set filter_type=whitelist --set filter_keys=source.ip,classification.type --set ttl=3600 < events.jsonl"])]
public sealed class DeduplicatorExpert : IExpert, IDisposable
{
    readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    readonly bool _whitelist, _bypass;
    readonly long _ttl;
    readonly TimeProvider _clock;
    readonly SeenStore _store;

    public DeduplicatorExpert(DeduplicatorExpertOptions options, ProgramContext context)
    {
        _whitelist = options.FilterType switch
        {
            "whitelist" => true,
            "blacklist" => false,
            _ => throw new ConfigurationException($"deduplicator-expert: option 'filter_type' is '{options.FilterType}'; give whitelist or blacklist."),
        };
        foreach (var key in options.FilterKeys.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            _keys.Add(IntelMQFields.ToIdf(key));
        _bypass = options.Bypass;
        _ttl = options.Ttl;
        _clock = context.Clock;
        var file = context.DataDirectory is { } dir ? Path.Combine(dir, $"{(context.Id.Length > 0 ? context.Id : "deduplicator")}.seen.tsv") : null;
        _store = new SeenStore(file, Now());
    }

    public void Process(Event ev, IEmitter output)
    {
        if (_bypass)
        {
            output.Emit(ev);
            return;
        }
        var now = Now();
        var (key, message) = Fingerprints(ev);
        var holder = _store.Holder(key, now);
        if (holder is not null && holder != message)
        {
            output.Drop(ev, $"duplicate of an event passed on before (key {key[..16]})");
            return;
        }
        if (holder is null) _store.Mark(key, message, now + _ttl, now);
        output.Emit(ev);
    }

    long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    /// <returns>The deduplication key (the chosen fields) and the message's own fingerprint (every field, its id included).</returns>
    (string Key, string Message) Fingerprints(Event ev)
    {
        var chosen = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        var all = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (path, value) in ev.Fields)
        {
            var node = value is JsonNode json ? json.DeepClone() : JsonSerializer.SerializeToNode(value);
            all[path] = node;
            if (path != Event.IdField && _keys.Contains(path) == _whitelist) chosen[path] = node?.DeepClone();
        }
        return (Hash(chosen), Hash(all));
    }

    static string Hash(SortedDictionary<string, JsonNode?> fields) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(new JsonObject([.. fields]).ToJsonString()))).ToLower(CultureInfo.InvariantCulture);

    public void Dispose() => _store.Dispose();
}
