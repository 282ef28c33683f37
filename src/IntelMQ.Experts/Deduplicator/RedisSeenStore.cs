using IntelMQ.Contract;
using StackExchange.Redis;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// Keys in a Redis database, as IntelMQ's deduplicator keeps them (the message hash as the key, with the ttl as its
/// expiry), so that several processes, and IntelMQ's own bots, share them. Marked with SET NX EX: an existing mark keeps
/// its expiry. A mark holds what IntelMQ writes ("hash") unless it is given a value (an event id); IntelMQ only asks
/// whether a key exists.
/// </summary>
sealed class RedisSeenStore : ISeenStore
{
    readonly ConnectionMultiplexer _redis;
    readonly IDatabase _db;
    readonly string _name, _program, _prefix;

    /// <param name="prefix">Put before every key, so that programs sharing a database do not read each other's marks.</param>
    public RedisSeenStore(string program, string host, int port, int database, string? password, string prefix = "")
    {
        _program = program;
        _prefix = prefix;
        _name = $"redis {host}:{port} database {database}";
        // Not reachable at start is not a configuration error: lookups fail as transient until the server is there.
        _redis = ConnectionMultiplexer.Connect(new ConfigurationOptions
        {
            EndPoints = { { host, port } },
            Password = string.IsNullOrEmpty(password) ? null : password,
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            ClientName = "intelmq-" + program,
            Protocol = RedisProtocol.Resp2,
        });
        _db = _redis.GetDatabase(database);
    }

    public bool TryFind(SeenKey key, long now, out string value)
    {
        try
        {
            var found = _db.StringGet(_prefix + key.ToString());
            value = found.HasValue ? found.ToString() : "";
            return found.HasValue;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    public void Mark(IReadOnlyDictionary<SeenKey, SeenMark> marks, long now)
    {
        if (marks.Count == 0) return;
        var batch = _db.CreateBatch();
        var sets = new List<Task<bool>>(marks.Count);
        foreach (var (key, mark) in marks)
            sets.Add(batch.StringSetAsync(_prefix + key.ToString(), mark.Value ?? "hash", (TimeSpan?)TimeSpan.FromSeconds(Math.Max(1, mark.Expires - now)), When.NotExists, CommandFlags.None));
        batch.Execute();
        try
        {
            Task.WhenAll(sets).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    public string Describe(long now)
    {
        try
        {
            var latency = _db.Ping();
            return $"{_name}: reachable ({latency.TotalMilliseconds:0.#} ms)";
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    TransientException Unavailable(Exception ex) => new($"{_program}: {_name} cannot be reached: {ex.Message}", ex);

    public void Dispose() => _redis.Dispose();
}
