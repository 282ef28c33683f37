using System.Security.Cryptography;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>Drops events seen before within a time window, as IntelMQ's deduplicator expert does, without losing retried events.</summary>
[Program("deduplicator-expert", ProgramKind.Expert, "Drops an event when an event with the same identifying fields was passed on within ttl seconds.",
    Modules = ["intelmq.bots.experts.deduplicator.expert"],
    Options = typeof(DeduplicatorExpertOptions),
    Description = """
        An event's key is IntelMQ's message hash (SHA-256) over its fields, all but filter_keys (filter_type=blacklist)
        or only filter_keys (whitelist); time.observation and the event id are never part of it. The first event with a
        key is passed on; a later event with the key, within ttl seconds, is dropped with the reason (counted; to
        drop_path when one is set). A key is marked as seen only once its event was handed on and confirmed
        downstream: unlike IntelMQ's, this deduplicator does not lose an event whose hand-off failed and is retried
        or redelivered. store=embedded (the default) keeps the keys in a file in the program's data directory
        (<id>.seen.tsv), so they survive a restart, for one process (with --processes, or while another process holds
        the file, it refuses to start); store=redis keeps them in Redis (redis_cache_host, _port, _db,
        _password), with the keys and expiry IntelMQ's deduplicator uses, for several processes. Two processes that see
        one key at the same moment may both pass it on: a duplicate, never a loss. With duplicate_of=true a duplicate
        is not dropped but passed on with a duplicate-of link (IEP04, docs/idf.md "Links") to the event.id of the
        first event with its key, which the mark then holds; a mark without an id (set by IntelMQ, or before
        duplicate_of was switched on) drops the duplicate as usual.
        """,
    FieldsRead = ["*"],
    FieldsWritten = ["links"],
    Examples = ["intelmq run deduplicator-expert --set filter_type=whitelist --set filter_keys=source.ip,classification.type --set ttl=3600 < events.jsonl",
        "intelmq run deduplicator-expert --set store=redis --set redis_cache_host=10.0.0.5 --set filter_keys=raw,time.observation -i redis://10.0.0.5/2?queue=dedup --processes 4"])]
public sealed class DeduplicatorExpert : IExpert, IDeliveryAware, ISelfTest, IDisposable
{
    const string Program = "deduplicator-expert";

    readonly MessageHash _hash;
    readonly bool _bypass, _duplicateOf;
    readonly long _ttl;
    readonly TimeProvider _clock;
    readonly ISeenStore _marks;

    public DeduplicatorExpert(DeduplicatorExpertOptions options, ProgramContext context)
    {
        var whitelist = options.FilterType switch
        {
            "whitelist" => true,
            "blacklist" => false,
            _ => throw new ConfigurationException($"deduplicator-expert: option 'filter_type' is '{options.FilterType}'; give whitelist or blacklist."),
        };
        // IntelMQ hashes its own field names; an IDF path given instead is taken to its IntelMQ name.
        _hash = new MessageHash(options.FilterKeys.SelectMany(k => k.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(key => DhoMapping.ToDho(IntelMQFields.ToIdf(key)) ?? key), whitelist);
        _bypass = options.Bypass;
        _duplicateOf = options.DuplicateOf;
        _ttl = options.Ttl;
        _clock = context.Clock;
        _marks = options.Store switch
        {
            "embedded" => new SeenStore(Program, context.DataDirectory is { } dir ? Path.Combine(dir, $"{(context.Id.Length > 0 ? context.Id : "deduplicator")}.seen.tsv") : null, context, Now()),
            "redis" => new RedisSeenStore(Program, options.RedisCacheHost, options.RedisCachePort, options.RedisCacheDb, options.RedisCachePassword?.Reveal(), context.Log),
            _ => throw new ConfigurationException($"deduplicator-expert: option 'store' is '{options.Store}'; give embedded or redis."),
        };
    }

    public void Process(Event ev, IEmitter output)
    {
        if (_bypass)
        {
            output.Emit(ev);
            return;
        }
        var now = Now();
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.Compute(ev, digest);
        var key = new SeenKey(digest);
        var first = _marks.FindOrAdd(key, new SeenMark(now + _ttl, _duplicateOf ? ev.Id : null), now);
        if (first is not null)
        {
            if (_duplicateOf && Guid.TryParse(first, out _) && first != ev.Id)
            {
                EventLinks.Add(ev, "duplicate-of", first);
                output.Emit(ev);
            }
            else output.Drop(ev, $"duplicate of an event passed on within ttl (key {key.Head})");
            return;
        }
        output.Emit(ev);
    }

    /// <summary>Stores the marks of the events passed on since the last call; a store that cannot be reached gets them at the next call.</summary>
    public void Delivered() => _marks.Delivered(Now());

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([_marks.Describe(Now())]);

    long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    public void Dispose() => _marks.Dispose();
}
