using System.Globalization;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using StackExchange.Redis;

namespace IntelMQ.Channels;

/// <summary>
/// <c>redis-stream://[USER:PASSWORD@]HOST:PORT/DB?stream=NAME&amp;group=G</c> — a Redis stream read through a consumer
/// group: each consumer (<c>{id}-{worker}</c>) reads its own pending entries first, then new ones; entries are
/// acknowledged (XACK) after hand-off; entries left pending by a consumer that died are claimed (XAUTOCLAIM) after
/// <c>claim_idle_ms</c>. Outputs XADD each message into the field <c>data</c>.
/// </summary>
public static class RedisStreamChannels
{
    const string Example = "redis-stream://localhost:6379/0?stream=events&group=enrichment";

    // Trims what every consumer group has read and acknowledged: entries older than each group's oldest pending entry,
    // or, with nothing pending, than its last delivered entry. Unread entries (and streams without groups) stay.
    const string TrimScript = """
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        if #groups == 0 then return 0 end
        local min, minMs, minSeq
        for _, group in ipairs(groups) do
            local info = {}
            for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
            local id = info['last-delivered-id']
            if info['pending'] > 0 then id = redis.call('XPENDING', KEYS[1], info['name'])[2] end
            local ms, seq = string.match(id, '^(%d+)-(%d+)$')
            ms, seq = tonumber(ms), tonumber(seq)
            if min == nil or ms < minMs or (ms == minMs and seq < minSeq) then min, minMs, minSeq = id, ms, seq end
        end
        return redis.call('XTRIM', KEYS[1], 'MINID', min)
        """;

    // Both ends accept every option, so that a producer and its consumers can share one address.
    static readonly string[] Keys = ["stream", "group", "consumer", "claim_idle_ms", "claim_interval_ms", "field", "max_length", "maxlen", "format"];

    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context)
    {
        var stream = address.Require("stream", Example);
        var group = address.Require("group", Example);
        var consumer = address.Get("consumer") is { Length: > 0 } name
            ? context.WorkerId > 0 ? $"{name}-{context.WorkerId}" : name
            : $"{context.ProgramId}-{context.WorkerId}";
        var claimIdle = address.GetInt("claim_idle_ms", 30_000, 100);
        var claimInterval = address.GetInt("claim_interval_ms", claimIdle, 100);
        var field = address.Get("field") ?? "data";
        var redis = RedisConnection.Open(address, context, Example, Keys);
        return new Input(redis, stream, group, consumer, field, claimIdle, TimeSpan.FromMilliseconds(claimInterval));
    }

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context)
    {
        var stream = address.Require("stream", Example);
        var format = ChannelCatalog.Format(address);
        var maxLength = RedisConnection.MaxLength(address);
        var field = address.Get("field") ?? "data";
        var redis = RedisConnection.Open(address, context, Example, Keys);
        return new Output(redis, stream, field, format, maxLength);
    }

    sealed class Input : IInputChannel
    {
        readonly RedisConnection _redis;
        readonly string _stream, _group, _consumer, _field;
        readonly long _claimIdle;
        readonly TimeSpan _claimInterval;
        RedisValue? _ownPending = "0-0"; // reading this consumer's own pending entries after this id; null once done
        RedisValue _claimCursor = "0-0";
        DateTime _nextClaim = DateTime.MinValue;

        public Input(RedisConnection redis, string stream, string group, string consumer, string field, long claimIdle, TimeSpan claimInterval)
        {
            _redis = redis;
            _stream = stream;
            _group = group;
            _consumer = consumer;
            _field = field;
            _claimIdle = claimIdle;
            _claimInterval = claimInterval;
            Name = $"{redis.Name} (consumer {consumer})";
            CreateGroup();
        }

        public string Name { get; }

        /// <summary>From the stream's first entry, so that what producers wrote before the group existed is read too.</summary>
        void CreateGroup()
        {
            try
            {
                _redis.Database.StreamCreateConsumerGroup(_stream, _group, "0-0", createStream: true);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
            }
        }

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken) =>
            await _redis.RetryAsync("receive", async () =>
            {
                try
                {
                    return await ReceiveOnceAsync(maxCount, wait, cancellationToken);
                }
                catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
                {
                    _redis.Log.WriteLine($"{Name}: the stream or its group {_group} was deleted; creating them again");
                    CreateGroup();
                    _ownPending = "0-0";
                    return [];
                }
            }, cancellationToken);

        async Task<IReadOnlyList<Delivery>?> ReceiveOnceAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var db = _redis.Database;
            if (_ownPending is { } after)
            {
                // What this consumer received and did not acknowledge before it stopped or crashed.
                var pending = await db.StreamReadGroupAsync(_stream, _group, _consumer, after, maxCount);
                if (pending.Length > 0)
                {
                    _ownPending = pending[^1].Id;
                    return await DeliverAsync(pending, " (redelivered)");
                }
                _ownPending = null;
            }
            if (DateTime.UtcNow >= _nextClaim)
            {
                var claim = await db.StreamAutoClaimAsync(_stream, _group, _consumer, _claimIdle, _claimCursor, maxCount);
                _claimCursor = claim.NextStartId;
                if (_claimCursor == "0-0") _nextClaim = DateTime.UtcNow + _claimInterval;
                if (claim.ClaimedEntries.Length > 0)
                {
                    _redis.Log.WriteLine($"{Name}: claimed {claim.ClaimedEntries.Length} entries pending for more than {_claimIdle} ms (a consumer stopped)");
                    return await DeliverAsync(claim.ClaimedEntries, " (claimed)");
                }
            }
            var deadline = DateTime.UtcNow + wait;
            do
            {
                var block = TimeSpan.FromTicks(Math.Clamp((deadline - DateTime.UtcNow).Ticks, 0, RedisConnection.MaxBlock.Ticks));
                var result = await db.ExecuteAsync("XREADGROUP", ReadArguments(maxCount, block)).WaitAsync(cancellationToken);
                var entries = ParseRead(result);
                if (entries.Length > 0) return await DeliverAsync(entries, "");
            }
            while (DateTime.UtcNow < deadline);
            return [];
        }

        List<object> ReadArguments(int maxCount, TimeSpan block)
        {
            List<object> args = ["GROUP", _group, _consumer, "COUNT", maxCount];
            var ms = (long)Math.Ceiling(block.TotalMilliseconds);
            if (ms > 0) args.AddRange(["BLOCK", ms]); // BLOCK 0 would wait forever
            args.AddRange(["STREAMS", (RedisKey)_stream, ">"]);
            return args;
        }

        /// <summary>XREADGROUP's reply: null on timeout, else [[stream, [[id, [field, value, ...]], ...]]].</summary>
        static StreamEntry[] ParseRead(RedisResult result)
        {
            if (result.IsNull) return [];
            var streams = (RedisResult[])result!;
            if (streams.Length == 0) return [];
            var items = (RedisResult[])((RedisResult[])streams[0]!)[1]!;
            var entries = new StreamEntry[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                var item = (RedisResult[])items[i]!;
                var pairs = item[1].IsNull ? [] : (RedisValue[])item[1]!;
                var values = new NameValueEntry[pairs.Length / 2];
                for (var j = 0; j < values.Length; j++) values[j] = new NameValueEntry(pairs[2 * j], pairs[2 * j + 1]);
                entries[i] = new StreamEntry((RedisValue)item[0], values);
            }
            return entries;
        }

        async Task<List<Delivery>> DeliverAsync(StreamEntry[] entries, string note)
        {
            var batch = new List<Delivery>(entries.Length);
            List<RedisValue>? deleted = null;
            foreach (var entry in entries)
            {
                if (entry.IsNull || entry.Values is not { Length: > 0 })
                {
                    (deleted ??= []).Add(entry.Id); // deleted from the stream while pending: nothing left to deliver
                    continue;
                }
                var body = entry[_field];
                // An entry without our field is delivered empty, so that it is dumped with its position rather than lost silently.
                batch.Add(new Delivery(body.IsNull ? Array.Empty<byte>() : (byte[])body!, $"entry {entry.Id}{note}", entry.Id));
            }
            if (deleted is not null) await _redis.Database.StreamAcknowledgeAsync(_stream, _group, [.. deleted]);
            return batch;
        }

        public async ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            if (deliveries.Count == 0) return;
            var ids = new RedisValue[deliveries.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = (RedisValue)deliveries[i].Token!;
            await _redis.RetryAsync("acknowledge", () => _redis.Database.StreamAcknowledgeAsync(_stream, _group, ids), cancellationToken);
        }

        public ValueTask DisposeAsync() => _redis.DisposeAsync();
    }

    sealed class Output(RedisConnection redis, string stream, string field, MessageFormat format, int maxLength) : IOutputChannel, IQueueDepth
    {
        public async ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) =>
            (await redis.Database.StreamLengthAsync(stream), maxLength > 0 ? maxLength : null);

        readonly RedisKey[] _streamKey = [stream];
        bool _waitLogged;

        public string Name => redis.Name;

        public MessageFormat Format { get; } = format;

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0) return;
            if (maxLength > 0) await WaitForRoomAsync(cancellationToken);
            var batch = redis.Database.CreateBatch();
            var added = new Task<RedisValue>[messages.Count];
            for (var i = 0; i < added.Length; i++) added[i] = batch.StreamAddAsync(stream, field, messages[i]);
            batch.Execute(); // one round trip for the batch
            await Task.WhenAll(added).WaitAsync(cancellationToken);
        }

        async Task WaitForRoomAsync(CancellationToken cancellationToken)
        {
            var delay = 10;
            while (await redis.Database.StreamLengthAsync(stream) >= maxLength)
            {
                await redis.Database.ScriptEvaluateAsync(TrimScript, _streamKey);
                if (await redis.Database.StreamLengthAsync(stream) < maxLength) return;
                if (!_waitLogged)
                    redis.Log.WriteLine($"{Name}: the stream holds {maxLength.ToString(CultureInfo.InvariantCulture)} unread or unacknowledged entries (max_length); waiting for its consumers");
                _waitLogged = true;
                await Task.Delay(delay, cancellationToken);
                delay = Math.Min(250, delay * 2);
            }
        }

        public ValueTask DisposeAsync() => redis.DisposeAsync();
    }
}
