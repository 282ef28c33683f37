using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using StackExchange.Redis;

namespace IntelMQ.Channels;

/// <summary>
/// IntelMQ 3.x's statistics keys in Redis (database 3 by default), for a program that replaces an IntelMQ bot:
/// <c>BOT-ID.stats.success</c>, <c>BOT-ID.stats.failure</c> and <c>BOT-ID.total.PATH</c>, plain string keys holding
/// integers. Counts are added with INCRBY (so several workers of one id add up) in one pipelined write per batch that
/// does not wait for the reply; while the server is unreachable they are kept and added on the next batch.
/// docs/observability.md says what each key counts.
/// </summary>
public sealed class IntelMQStatistics : IAsyncDisposable
{
    const string Example = "redis://127.0.0.1:6379/3";
    const int DefaultDatabase = 3;

    readonly RedisConnection _redis;
    readonly string _prefix;
    readonly Dictionary<string, long> _pending = new(StringComparer.Ordinal);

    IntelMQStatistics(RedisConnection redis, string botId)
    {
        _redis = redis;
        _prefix = botId + ".";
    }

    /// <summary>
    /// Connects to <paramref name="address"/> (<c>redis://[USER:PASSWORD@]HOST:PORT[/DB]</c>, database 3 when none is
    /// given, as IntelMQ's <c>statistics_database</c>) and creates the keys of <paramref name="paths"/> with 0 where
    /// they do not exist yet, so that the bot shows from the start. The bot id is <see cref="ChannelContext.ProgramId"/>.
    /// </summary>
    /// <exception cref="ChannelUnavailableException">The server cannot be reached.</exception>
    /// <exception cref="ConfigurationException">The address is malformed or the credentials are refused.</exception>
    public static IntelMQStatistics Open(string address, IEnumerable<string> paths, ChannelContext context)
    {
        var parsed = ChannelAddress.Parse(address);
        if (parsed.Scheme != "redis")
            throw new ConfigurationException($"statistics address '{parsed}': IntelMQ's statistics are kept in Redis; expected redis://HOST:PORT/DB, e.g. {Example}");
        if (parsed.Rest.StartsWith("//", StringComparison.Ordinal) && parsed.Rest.IndexOf('/', 2) is var slash && (slash < 0 || slash == parsed.Rest.Length - 1))
            parsed = ChannelAddress.Parse(WithDatabase(address, DefaultDatabase));
        var statistics = new IntelMQStatistics(RedisConnection.Open(parsed, context, Example), context.ProgramId);
        var batch = statistics._redis.Database.CreateBatch();
        foreach (var key in (string[])["stats.success", "stats.failure", .. paths.Select(p => "total." + p)])
            _ = batch.StringSetAsync(statistics._prefix + key, 0, when: When.NotExists, flags: CommandFlags.FireAndForget);
        batch.Execute();
        return statistics;
    }

    static string WithDatabase(string address, int database)
    {
        var query = address.IndexOf('?');
        var (authority, rest) = query < 0 ? (address, "") : (address[..query], address[query..]);
        return $"{authority.TrimEnd('/')}/{database}{rest}";
    }

    /// <summary>
    /// Adds one batch's counts: input messages processed (<paramref name="success"/>), processing attempts that failed
    /// (<paramref name="failure"/>, each retry counts, as in IntelMQ) and events sent per output path
    /// (<c>_default</c>, <c>_on_error</c>, named paths). Returns at once; errors are never thrown to the caller.
    /// </summary>
    public void Record(long success, long failure, IEnumerable<KeyValuePair<string, long>> sentPerPath)
    {
        lock (_pending)
        {
            Add("stats.success", success);
            Add("stats.failure", failure);
            foreach (var (path, count) in sentPerPath) Add("total." + path, count);
            Send();
        }
    }

    /// <summary>Sends what is pending and waits until the server has applied everything sent before (at exit, say).</summary>
    public async Task FlushAsync()
    {
        lock (_pending) Send();
        await _redis.Database.PingAsync();
    }

    void Add(string key, long count)
    {
        if (count == 0) return;
        _pending[_prefix + key] = _pending.GetValueOrDefault(_prefix + key) + count;
    }

    void Send()
    {
        if (_pending.Count == 0 || !_redis.Database.Multiplexer.IsConnected) return;
        var batch = _redis.Database.CreateBatch();
        foreach (var (key, count) in _pending)
            _ = batch.StringIncrementAsync(key, count, CommandFlags.FireAndForget);
        batch.Execute();
        _pending.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await FlushAsync();
        }
        catch (RedisException ex)
        {
            _redis.Log.WriteLine($"{_redis.Name}: the last statistics were not written: {ex.Message}");
        }
        await _redis.DisposeAsync();
    }
}
