using IntelMQ.Contract;
using Microsoft.Extensions.Logging;
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
    readonly ILogger _log;
    // Marks of events passed on whose hand-off is not confirmed yet: set in Redis on Delivered.
    readonly Dictionary<SeenKey, SeenMark> _pending = [];

    /// <param name="prefix">Put before every key, so that programs sharing a database do not read each other's marks.</param>
    public RedisSeenStore(string program, string host, int port, int database, string? password, ILogger log, string prefix = "")
    {
        _log = log;
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

    public string? FindOrAdd(SeenKey key, SeenMark mark, long now)
    {
        if (_pending.TryGetValue(key, out var pending) && pending.Expires > now) return pending.Value ?? "";
        try
        {
            var found = _db.StringGet(_prefix + key.ToString());
            if (found.HasValue) return found.ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable(ex);
        }
        _pending[key] = mark;
        return null;
    }

    public void Delivered(long now)
    {
        if (_pending.Count == 0) return;
        var batch = _db.CreateBatch();
        var sets = new List<Task<bool>>(_pending.Count);
        foreach (var (key, mark) in _pending)
            sets.Add(batch.StringSetAsync(_prefix + key.ToString(), mark.Value ?? "hash", (TimeSpan?)TimeSpan.FromSeconds(Math.Max(1, mark.Expires - now)), When.NotExists, CommandFlags.None));
        batch.Execute();
        try
        {
            Task.WhenAll(sets).GetAwaiter().GetResult();
            _pending.Clear();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _log.LogWarning("{Error}; {Count} marks are kept in memory and stored after the next hand-off", Unavailable(ex).Message, _pending.Count);
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
