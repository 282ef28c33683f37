using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;
using StackExchange.Redis;

namespace IntelMQ.Outputs.Redis;

/// <summary>Pushes events as IntelMQ's JSON onto a Redis list: another IntelMQ's queue, Logstash's redis input.</summary>
[Program("redis-output", ProgramKind.Output, "Pushes events as IntelMQ's JSON messages onto a Redis list (another IntelMQ's queue, Logstash), a batch per LPUSH.",
    Modules = ["intelmq.bots.outputs.redis.output"],
    Options = typeof(RedisOutputOptions),
    Description = """
        Pushes every event of a batch, as IntelMQ's JSON message (with __type unless with_type is false, and raw; flat
        unless hierarchical_output), onto redis_queue with one LPUSH, in order, so that a bot popping the list's other
        end (IntelMQ's BRPOPLPUSH) reads them as they came. The batch counts as delivered when Redis answers the LPUSH.
        A server that is down, refuses the password or times out retries the batch. The health check sends PING.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run redis-output --set redis_server_ip=intelmq2.example.org --set redis_queue=deduplicator-expert-queue < events.jsonl"])]
public sealed class RedisOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "redis-output";

    readonly RedisOutputOptions _options;
    readonly ConfigurationOptions _configuration;
    ConnectionMultiplexer? _connection;

    public RedisOutput(RedisOutputOptions options)
    {
        if (options.RedisQueue.Length == 0) throw new ConfigurationException($"{Program}: option 'redis_queue' is not set; give the list to push onto, e.g. --set redis_queue=remote-server-queue.");
        _options = options;
        _configuration = new ConfigurationOptions
        {
            EndPoints = { { options.RedisServerIp, options.RedisServerPort } },
            Password = options.RedisPassword.IsEmpty ? null : options.RedisPassword.Reveal(),
            DefaultDatabase = options.RedisDb,
            ConnectTimeout = options.RedisTimeout,
            SyncTimeout = options.RedisTimeout,
            AsyncTimeout = options.RedisTimeout,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ClientName = "intelmq-redis-output",
        };
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var values = new RedisValue[events.Count];
        for (var i = 0; i < values.Length; i++) values[i] = IntelMQFields.Message(events[i], _options.HierarchicalOutput, _options.WithType, withRaw: true);
        try
        {
            await (await DatabaseAsync()).ListLeftPushAsync(_options.RedisQueue, values);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw new TransientException($"{Program}: '{_options.RedisQueue}' in database {_options.RedisDb} is not a list: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Disconnect(); // connected anew for the retry
            throw new TransientException($"{Program}: {_options.RedisServerIp}:{_options.RedisServerPort}: {ex.Message}", ex);
        }
    }

    async ValueTask<IDatabase> DatabaseAsync()
    {
        if (_connection is not { IsConnected: true })
        {
            Disconnect();
            _connection = await ConnectionMultiplexer.ConnectAsync(_configuration);
        }
        return _connection.GetDatabase(_options.RedisDb);
    }

    /// <summary>Sends PING; throws with the reason when Redis does not answer.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await (await DatabaseAsync()).PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Disconnect();
            throw new InvalidOperationException($"{Program}: {_options.RedisServerIp}:{_options.RedisServerPort}: {ex.Message}", ex);
        }
    }

    void Disconnect()
    {
        _connection?.Dispose();
        _connection = null;
    }

    public void Dispose() => Disconnect();
}
