using IntelMQ.Contract;
using IntelMQ.Core;
using StackExchange.Redis;

namespace IntelMQ.Experts.Wait;

/// <summary>Holds events back for a time, or until a Redis queue has room, as IntelMQ's wait expert does, without blocking a thread.</summary>
[Program("wait-expert", ProgramKind.Expert, "Passes events on after sleep_time seconds each, or once the Redis list queue_name holds at most queue_size messages.",
    Modules = ["intelmq.bots.experts.wait.expert"],
    Options = typeof(WaitExpertOptions),
    Description = """
        Three modes, as in IntelMQ. Queue mode (queue_name given): before an event is passed on, the length of the
        Redis list queue_name (queue_host, queue_port, queue_db, queue_password) is read every
        queue_polling_interval seconds until it is at most queue_size; point it at the input queue of a slow program
        to keep that queue short. Sleep mode (sleep_time given, no queue_name): each event is passed on sleep_time
        seconds after the previous one could go. Otherwise events pass unchanged at once. Events pass one at a
        time, in input order within a batch. The waits are asynchronous and the input is acknowledged only after the
        events went on, so a full queue holds back the whole pipeline before this program (backpressure) instead of
        filling memory. A wait counts against the run's timeout_ms like a lookup: with the run's concurrency N, the
        last event in flight waits up to N times sleep_time, so keep that below timeout_ms or run with concurrency 1;
        a wait that outlasts it is transient and retried (the input stays unacknowledged). A Redis server that cannot
        be reached is transient too.
        """,
    Examples = ["intelmq run wait-expert --set sleep_time=2 -i redis://localhost/2?queue=wait-in -o redis://localhost/2?queue=ticketing --concurrency 1",
        "intelmq run wait-expert --set queue_name=sql-output-queue --set queue_size=10000 -i redis://localhost/2?queue=wait-in -o redis://localhost/2?queue=sql-output-queue"])]
public sealed class WaitExpert : IAsyncExpert, ISelfTest, IDisposable
{
    const string Program = "wait-expert";

    readonly TimeSpan? _sleep;
    readonly TimeSpan _poll;
    readonly long _size;
    readonly RedisKey _queue;
    readonly ConnectionMultiplexer? _redis;
    readonly IDatabase? _db;
    readonly string _where = "";
    readonly TimeProvider _clock;
    // One event waits and passes at a time, as IntelMQ's one-message loop does.
    readonly SemaphoreSlim _turn = new(1, 1);

    public WaitExpert(WaitExpertOptions options, ProgramContext context)
    {
        _clock = context.Clock;
        _poll = TimeSpan.FromSeconds(options.QueuePollingInterval);
        _size = options.QueueSize;
        if (!string.IsNullOrEmpty(options.QueueName))
        {
            _queue = options.QueueName;
            _where = $"the list {options.QueueName} on redis {options.QueueHost}:{options.QueuePort} database {options.QueueDb}";
            // Not reachable at start is not a configuration error: waits fail as transient until the server is there.
            _redis = ConnectionMultiplexer.Connect(new ConfigurationOptions
            {
                EndPoints = { { options.QueueHost, options.QueuePort } },
                Password = options.QueuePassword?.Reveal() is { Length: > 0 } password ? password : null,
                AbortOnConnectFail = false,
                ConnectTimeout = 5000,
                SyncTimeout = 5000,
                AsyncTimeout = 5000,
                ClientName = "intelmq-" + Program,
                Protocol = RedisProtocol.Resp2,
            });
            _db = _redis.GetDatabase(options.QueueDb);
        }
        else if (options.SleepTime is > 0 and var seconds) _sleep = TimeSpan.FromSeconds(seconds);
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        if (_db is not null || _sleep is not null)
        {
            await _turn.WaitAsync(cancellationToken);
            try
            {
                if (_db is not null) await UntilQueueHasRoomAsync(_db, cancellationToken);
                else await Task.Delay(_sleep!.Value, _clock, cancellationToken);
            }
            finally
            {
                _turn.Release();
            }
        }
        output.Emit(ev);
    }

    async Task UntilQueueHasRoomAsync(IDatabase db, CancellationToken cancellationToken)
    {
        while (await LengthAsync(db) > _size) await Task.Delay(_poll, _clock, cancellationToken);
    }

    async Task<long> LengthAsync(IDatabase db)
    {
        try
        {
            return await db.ListLengthAsync(_queue);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new TransientException($"{Program}: {_where} cannot be read: {ex.Message}", ex);
        }
    }

    public async ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken)
    {
        if (_db is null) return [_sleep is { } sleep ? $"sleep mode: {sleep.TotalSeconds:0.###} s per event" : "no queue_name and no sleep_time: events pass at once"];
        var length = await LengthAsync(_db);
        return [$"queue mode: {_where} holds {length} messages; events pass while it holds at most {_size}"];
    }

    public void Dispose()
    {
        _redis?.Dispose();
        _turn.Dispose();
    }
}
