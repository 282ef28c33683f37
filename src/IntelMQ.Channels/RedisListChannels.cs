using System.Globalization;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using StackExchange.Redis;

namespace IntelMQ.Channels;

/// <summary>
/// <c>redis://[USER:PASSWORD@]HOST:PORT/DB?queue=NAME</c> — IntelMQ 3.x's Redis list queues, on the wire: producers
/// LPUSH messages (DHO by default) onto the queue; a consumer moves them from the queue's tail into its in-flight list
/// (<c>NAME-internal</c>, <c>NAME-internal-N</c> for worker N) and removes them from there when acknowledging. What a
/// crash leaves in the in-flight list is delivered first on the next start.
/// </summary>
public static class RedisListChannels
{
    const string Example = "redis://localhost:6379/2?queue=taxonomy-expert-queue";

    // Moves up to ARGV[1] messages from the queue's tail to the in-flight list's head, atomically, oldest first.
    const string MoveScript = """
        local moved = {}
        for i = 1, tonumber(ARGV[1]) do
            local message = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
            if not message then break end
            moved[i] = message
        end
        return moved
        """;

    // Acknowledges the batch at the in-flight list's tail (oldest ARGV[2] at -1, newest ARGV[3] at -ARGV[1]) in one trim;
    // returns 0 when the batch is not there, and the caller removes its messages one by one instead.
    const string TrimScript = """
        local count = tonumber(ARGV[1])
        if redis.call('LINDEX', KEYS[1], -1) == ARGV[2] and redis.call('LINDEX', KEYS[1], -count) == ARGV[3] then
            redis.call('LTRIM', KEYS[1], 0, -count - 1)
            return 1
        end
        return 0
        """;

    // Removes each message once, searching from the tail, where the oldest in-flight messages are.
    const string RemoveScript = """
        for i = 1, #ARGV do redis.call('LREM', KEYS[1], -1, ARGV[i]) end
        return #ARGV
        """;

    // Both ends accept every option, so that a producer and its consumers can share one address.
    static readonly string[] Keys = ["queue", "internal", "max_length", "maxlen", "format"];

    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context)
    {
        var queue = address.Require("queue", Example);
        var inFlight = address.Get("internal") ?? queue + "-internal";
        if (context.WorkerId > 0) inFlight += "-" + context.WorkerId.ToString(CultureInfo.InvariantCulture);
        if (inFlight == queue) throw new ConfigurationException($"{address}: internal= must differ from the queue.");
        return new Input(RedisConnection.Open(address, context, Example, Keys), queue, inFlight);
    }

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context)
    {
        var queue = address.Require("queue", Example);
        var format = ChannelCatalog.Format(address, MessageFormat.Dho);
        var maxLength = RedisConnection.MaxLength(address);
        return new Output(RedisConnection.Open(address, context, Example, Keys), queue, format, maxLength);
    }

    sealed class Input(RedisConnection redis, string queue, string inFlight) : IInputChannel
    {
        readonly RedisKey[] _moveKeys = [queue, inFlight];
        readonly RedisKey[] _inFlightKey = [inFlight];
        int _handedOut;        // delivered and not acknowledged: the in-flight list's tail
        bool _recover = true;  // the in-flight list may hold messages not delivered yet (left by a crash, or a lost reply)
        long _received;

        public string Name => redis.Name;

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken) =>
            await redis.RetryAsync("receive", async () =>
            {
                try
                {
                    return await ReceiveOnceAsync(maxCount, wait, cancellationToken);
                }
                catch
                {
                    _recover = true; // the server may have moved messages whose reply was lost
                    throw;
                }
            }, cancellationToken);

        async Task<IReadOnlyList<Delivery>?> ReceiveOnceAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            if (_recover)
            {
                var left = await redis.Database.ListRangeAsync(inFlight, -(_handedOut + maxCount), -(_handedOut + 1));
                if (left.Length < maxCount) _recover = false;
                if (left.Length > 0)
                {
                    Array.Reverse(left);
                    return Deliver(left, $" (left in {inFlight})");
                }
            }
            var moved = await MoveAsync(maxCount);
            if (moved.Length > 0 || wait <= TimeSpan.Zero) return Deliver(moved, "");
            // Nothing waiting: block for the first message only, then take what else is there.
            for (var deadline = DateTime.UtcNow + wait; DateTime.UtcNow < deadline;)
            {
                var block = TimeSpan.FromTicks(Math.Min((deadline - DateTime.UtcNow).Ticks, RedisConnection.MaxBlock.Ticks));
                var first = await redis.Database.ExecuteAsync("BRPOPLPUSH", (RedisKey)queue, (RedisKey)inFlight, redis.BlockSeconds(block))
                    .WaitAsync(cancellationToken);
                if (first.IsNull) continue;
                var rest = maxCount > 1 ? await MoveAsync(maxCount - 1) : [];
                var batch = new RedisValue[rest.Length + 1];
                batch[0] = (RedisValue)first;
                rest.CopyTo(batch, 1);
                return Deliver(batch, "");
            }
            return [];
        }

        async Task<RedisValue[]> MoveAsync(int maxCount) =>
            (RedisValue[])(await redis.Database.ScriptEvaluateAsync(MoveScript, _moveKeys, [maxCount]))!;

        List<Delivery> Deliver(RedisValue[] messages, string note)
        {
            var batch = new List<Delivery>(messages.Length);
            foreach (var message in messages)
                batch.Add(new Delivery((byte[])message!, $"message {++_received}{note}"));
            _handedOut += messages.Length;
            return batch;
        }

        public async ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            if (deliveries.Count == 0) return;
            await redis.RetryAsync("acknowledge", async () =>
            {
                var trimmed = (long)await redis.Database.ScriptEvaluateAsync(TrimScript, _inFlightKey,
                    [deliveries.Count, deliveries[0].Body, deliveries[^1].Body]);
                if (trimmed == 0)
                {
                    var bodies = new RedisValue[deliveries.Count];
                    for (var i = 0; i < bodies.Length; i++) bodies[i] = deliveries[i].Body;
                    await redis.Database.ScriptEvaluateAsync(RemoveScript, _inFlightKey, bodies);
                }
                return true;
            }, cancellationToken);
            _handedOut = Math.Max(0, _handedOut - deliveries.Count);
        }

        public ValueTask DisposeAsync() => redis.DisposeAsync();
    }

    sealed class Output(RedisConnection redis, string queue, MessageFormat format, int maxLength) : IOutputChannel, IQueueDepth
    {
        public async ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) =>
            (await redis.Database.ListLengthAsync(queue), maxLength > 0 ? maxLength : null);

        bool _waitLogged;

        public string Name => redis.Name;

        public MessageFormat Format { get; } = format;

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0) return;
            if (maxLength > 0) await WaitForRoomAsync(cancellationToken);
            var values = new RedisValue[messages.Count];
            for (var i = 0; i < values.Length; i++) values[i] = messages[i];
            // One variadic LPUSH: the first message ends up nearest the tail, so consumers see the batch in order.
            await redis.Database.ListLeftPushAsync(queue, values).WaitAsync(cancellationToken);
        }

        async Task WaitForRoomAsync(CancellationToken cancellationToken)
        {
            var delay = 10;
            while (await redis.Database.ListLengthAsync(queue) >= maxLength)
            {
                if (!_waitLogged) redis.Log.WriteLine($"{Name}: the queue holds {maxLength} messages or more (max_length); waiting for its consumers");
                _waitLogged = true;
                await Task.Delay(delay, cancellationToken);
                delay = Math.Min(250, delay * 2);
            }
        }

        public ValueTask DisposeAsync() => redis.DisposeAsync();
    }
}
