using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using IntelMQ.Experts.Deduplicator;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.EventIdentity;

/// <summary>
/// IEP04's loop and duplicate protection for installations that exchange events: records the path of installations an
/// event passed, drops an event that comes back to one it passed, or whose id was passed on within the ttl.
/// </summary>
[Program("event-identity-expert", ProgramKind.Expert, "Records the installations an event passed (producers) and drops loops and events whose id was already passed on.",
    Options = typeof(EventIdentityExpertOptions),
    Description = """
        For installations that exchange events (IEP04), put it where events arrive from other installations and
        before they are sent to others. Each event's path, the IDF field producers, lists the producer ids of the
        installations whose event-identity expert passed it, oldest first. An event whose path already holds this
        installation's id (option producer, by default the installation's producer id) has come back in a loop: it
        is dropped with the reason and a warning naming the path. An event whose event.id this expert passed on
        within ttl seconds is dropped as already seen (an event sent to this installation by two others). Otherwise
        this installation's id is appended to the path and the event is passed on. Drops are counted and go to
        drop_path when one is set. An id is marked as seen only once its event was handed on and confirmed
        downstream, as the deduplicator does: a hand-off that failed and is retried, or redelivered after a crash,
        passes again. store=embedded (the default) keeps the ids in <id>.identity.tsv in the program's data
        directory, so they survive a restart; store=redis keeps them in Redis (keys event-identity:<id>, with the ttl
        as expiry) for several processes. With link_related=true an event whose content gives the stable id of an
        earlier event with another event.id (the same record from another producer, or read back after a DHO hop)
        is passed on with a duplicate-of link to that earlier id. Events keep their id (docs/idf.md, "Event identity").
        """,
    FieldsRead = ["event.id", "producers", "links"],
    FieldsWritten = ["producers", "links"],
    Examples = ["intelmq run event-identity-expert -i redis://localhost/2?queue=from-partners -o redis://localhost/2?queue=deduplicated",
        "intelmq run event-identity-expert --set producer=cert-at:intelmq --set store=redis --set redis_cache_host=10.0.0.5 --set link_related=true"])]
public sealed class EventIdentityExpert : IExpert, IDeliveryAware, ISelfTest, IDisposable
{
    const string Program = "event-identity-expert", ProducersField = "producers", SeenPrefix = "id:", StablePrefix = "stable:";

    readonly string _producer;
    readonly long _ttl;
    readonly bool _linkRelated;
    readonly TimeProvider _clock;
    readonly ILogger _log;
    readonly ISeenStore _marks;

    public EventIdentityExpert(EventIdentityExpertOptions options, ProgramContext context)
    {
        _producer = options.Producer.Length > 0 ? options.Producer : context.Producer;
        if (_producer.Contains('\t') || _producer.Contains('\n'))
            throw new ConfigurationException($"{Program}: option 'producer' contains a tab or a line break; give a name such as cert-at:intelmq.");
        _ttl = options.Ttl;
        _linkRelated = options.LinkRelated;
        _clock = context.Clock;
        _log = context.Log;
        _marks = options.Store switch
        {
            "embedded" => new SeenStore(Program, context.DataDirectory is { } dir ? Path.Combine(dir, $"{(context.Id.Length > 0 ? context.Id : "event-identity")}.identity.tsv") : null, context, Now()),
            "redis" => new RedisSeenStore(Program, options.RedisCacheHost, options.RedisCachePort, options.RedisCacheDb, options.RedisCachePassword?.Reveal(), context.Log, prefix: "event-identity:"),
            _ => throw new ConfigurationException($"{Program}: option 'store' is '{options.Store}'; give embedded or redis."),
        };
    }

    /// <summary>This installation's name in the paths it writes.</summary>
    public string Producer => _producer;

    public void Process(Event ev, IEmitter output)
    {
        var id = ev.Id ?? ev.StableId();
        var path = ev[ProducersField] as List<object>;
        if (path is not null && path.Contains(_producer))
        {
            var route = string.Join(" > ", path);
            _log.LogWarning("Event {Id} came back to {Producer} in a loop (path {Path}): dropped", id, _producer, route);
            output.Drop(ev, $"loop: event {id} has passed {_producer} before (path {route})");
            return;
        }
        var now = Now();
        if (_linkRelated) LinkRelated(ev, id, now);
        // Marked last, once nothing can fail: a lookup that fails (Redis down) is retried with this event, which must not find its own mark.
        if (_marks.FindOrAdd(SeenKey.Parse(SeenPrefix + id), new SeenMark(now + _ttl, null), now) is not null)
        {
            output.Drop(ev, $"event {id} was passed on within ttl");
            return;
        }
        ev.Add(ProducersField, path is null ? new List<object> { _producer } : new List<object>(path) { _producer }, overwrite: true);
        output.Emit(ev);
    }

    void LinkRelated(Event ev, string id, long now)
    {
        var stable = SeenKey.Parse(StablePrefix + ev.StableId());
        // A retried event finds its own mark here, which holds its own id: no link.
        var first = _marks.FindOrAdd(stable, new SeenMark(now + _ttl, id), now);
        if (first is not null && first != id && Guid.TryParse(first, out _)) EventLinks.Add(ev, "duplicate-of", first);
    }

    public void Delivered() => _marks.Delivered(Now());

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([$"producer {_producer}", _marks.Describe(Now())]);

    long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    public void Dispose() => _marks.Dispose();
}
