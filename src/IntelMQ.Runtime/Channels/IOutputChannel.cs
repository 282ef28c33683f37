using IntelMQ.Core;

namespace IntelMQ.Runtime.Channels;

/// <summary>Where a program's results go. Sending returns only when the destination has confirmed every message.</summary>
public interface IOutputChannel : IAsyncDisposable
{
    /// <summary>The channel's address with secrets removed, for logs and dumps.</summary>
    string Name { get; }

    /// <summary>How events are laid out in this channel's messages (IntelMQ's Redis queues want DHO).</summary>
    MessageFormat Format { get; }

    /// <summary>
    /// Sends the messages and returns once the destination confirmed them (a Redis reply, a publisher confirm, a Kafka
    /// delivery report, an fsync). Waits while the destination is at its configured limit (backpressure). Throws when it cannot deliver.
    /// </summary>
    ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken);
}
