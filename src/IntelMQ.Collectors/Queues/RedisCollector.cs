using System.Runtime.CompilerServices;
using IntelMQ.Contract;
using StackExchange.Redis;

namespace IntelMQ.Collectors.Queues;

/// <summary>
/// Takes the messages of a Redis list other systems fill, one report each. Each is moved atomically into a
/// processing list (LMOVE) and removed from it only once its report is handed on; what a crash leaves in the
/// processing list is handed on first at the next run, so a message is never lost and comes at most twice.
/// </summary>
[Program("redis-collector", ProgramKind.Collector, "Takes the messages of a Redis list as reports, keeping each in a processing list until it is handed on.",
    Options = typeof(RedisCollectorOptions),
    Description = """
        IntelMQ has no Redis collector; this one reads the lists its Redis output (and any LPUSH) fills, with the same
        parameter names. Each run first hands on what an earlier run left in processing_queue (a crash between taking
        a message and handing it on), oldest first, then moves the messages of redis_queue one by one (LMOVE, oldest
        first) into processing_queue, hands each on and only then removes it (LREM), and ends when redis_queue is
        empty; a daemon runs again after rate_limit seconds, so give it a small one (e.g. 2). A crash between the
        hand-off and the removal sends a message twice: at least once, never lost. A message's body is the report's
        body as it is; with expect_intelmq_message it is an IntelMQ report whose raw becomes the body. A message that
        is not such a report, larger than max_report_size or not UTF-8 goes to the dump and is then removed. Needs
        Redis 6.2 or later. An unreachable server is retried with backoff; a refused password stops the program.
        """,
    Examples = [
        "intelmq run redis-collector --daemon --set redis_server_ip=10.0.0.5 --set redis_queue=partner-events --set rate_limit=2 --set name='Partner feed' --output 'file:/var/lib/intelmq/partner.jsonl'",
    ])]
public sealed class RedisCollector : ICollector, IDisposable
{
    readonly RedisCollectorOptions _options;
    readonly string _name, _at;
    readonly RedisKey _queue, _processing;
    readonly ConfigurationOptions _configuration;
    ConnectionMultiplexer? _connection;

    /// <exception cref="ConfigurationException">No redis_queue, or a processing_queue that is redis_queue.</exception>
    public RedisCollector(RedisCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "redis-collector";
        if (options.RedisQueue is not { Length: > 0 } queue)
            throw new ConfigurationException($"{_name}: option 'redis_queue' is missing: the list to take messages from, e.g. --set redis_queue=partner-events");
        var processing = options.ProcessingQueue is { Length: > 0 } p ? p : queue + "-internal";
        if (processing == queue)
            throw new ConfigurationException($"{_name}: processing_queue must differ from redis_queue ('{queue}'); leave it out for '{queue}-internal'.");
        _options = options;
        (_queue, _processing) = (queue, processing);
        _at = $"redis://{options.RedisServerIp}:{options.RedisServerPort}/{options.RedisDb} list {queue}";
        _configuration = new ConfigurationOptions
        {
            EndPoints = { { options.RedisServerIp, options.RedisServerPort } },
            DefaultDatabase = options.RedisDb,
            Password = options.RedisPassword?.Reveal(),
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = options.RedisTimeout,
            SyncTimeout = options.RedisTimeout,
            AsyncTimeout = options.RedisTimeout,
            ClientName = $"intelmq-{_name}",
        };
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = (await ConnectAsync()).GetDatabase();
        // What an earlier run took but did not hand on, oldest (rightmost) first.
        var left = await CallAsync(() => db.ListRangeAsync(_processing));
        RedisValue? unsettled = null;
        var number = 0L;
        for (var i = left.Length - 1; ; i--)
        {
            if (unsettled is { } dumped) await CallAsync(() => db.ListRemoveAsync(_processing, dumped, -1));
            RedisValue message;
            string origin;
            if (i >= 0)
            {
                message = left[i];
                origin = $"{_at} message {++number} (left in {_processing} by an earlier run)";
            }
            else
            {
                message = await CallAsync(() => db.ListMoveAsync(_queue, _processing, ListSide.Right, ListSide.Left));
                if (message.IsNull) yield break;
                origin = $"{_at} message {++number}";
            }
            unsettled = message;
            yield return QueueMessage.Report((byte[])message!, _options.ExpectIntelmqMessage, origin, async _ =>
            {
                unsettled = null;
                await CallAsync(() => db.ListRemoveAsync(_processing, message, -1));
            });
        }
    }

    async Task<ConnectionMultiplexer> ConnectAsync()
    {
        if (_connection is { IsConnected: true }) return _connection;
        _connection?.Dispose();
        _connection = null;
        try
        {
            return _connection = await ConnectionMultiplexer.ConnectAsync(_configuration);
        }
        catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure || ex.Message.Contains("NOAUTH", StringComparison.Ordinal) || ex.Message.Contains("WRONGPASS", StringComparison.Ordinal))
        {
            throw new ConfigurationException($"{_name}: {_at} refused the password ({ex.Message}); check redis_password.");
        }
        catch (RedisConnectionException ex)
        {
            throw new TransientException($"{_at}: cannot connect ({ex.Message}).", ex);
        }
    }

    async Task<T> CallAsync<T>(Func<Task<T>> command)
    {
        try
        {
            return await command();
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new TransientException($"{_at}: {ex.Message}; what was not handed on stays in {_processing}.", ex);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigurationException($"{_name}: {_at}: the server does not know LMOVE ({ex.Message}); the Redis collector needs Redis 6.2 or later.");
        }
    }

    public void Dispose() => _connection?.Dispose();
}
