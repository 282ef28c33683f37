using System.Collections.Concurrent;
using System.Threading.Channels;
using IntelMQ.Core;

namespace IntelMQ.Runtime.Channels;

/// <summary>
/// <c>memory:NAME</c> — a bounded in-process queue (<c>capacity=</c>, default 10000) connecting programs that run in one
/// process. Nothing survives the process; use sqlite: for a durable queue without a server.
/// </summary>
public static class MemoryChannels
{
    static readonly ConcurrentDictionary<string, Channel<byte[]>> Queues = new(StringComparer.Ordinal);

    static Channel<byte[]> Queue(ChannelAddress address) =>
        Queues.GetOrAdd(address.Rest.Length > 0 ? address.Rest : throw new ConfigurationException($"{address}: a queue name is missing, e.g. memory:parsed"),
            _ => Channel.CreateBounded<byte[]>(new BoundedChannelOptions(address.GetInt("capacity", 10_000, 1)) { FullMode = BoundedChannelFullMode.Wait }));

    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["capacity"]);
        return new Input(Queue(address), address.ToString());
    }

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["capacity", "format"]);
        return new Output(Queue(address), address.ToString(), ChannelCatalog.Format(address));
    }

    sealed class Input(Channel<byte[]> queue, string name) : IInputChannel
    {
        long _received;

        public string Name { get; } = name;

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var batch = new List<Delivery>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                if (!await queue.Reader.WaitToReadAsync(timeout.Token)) return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return batch;
            }
            while (batch.Count < maxCount && queue.Reader.TryRead(out var body))
                batch.Add(new Delivery(body, $"message {++_received}"));
            return batch;
        }

        public ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    sealed class Output(Channel<byte[]> queue, string name, MessageFormat format) : IOutputChannel, IQueueDepth
    {
        public ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<(long, long?)>((queue.Reader.Count, null));

        public string Name { get; } = name;
        public MessageFormat Format { get; } = format;

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            foreach (var message in messages) await queue.Writer.WriteAsync(message.ToArray(), cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
