namespace IntelMQ.Runtime.Channels;

/// <summary>
/// Where a program's messages come from. Receiving does not remove a message: <see cref="AckAsync"/> does, and the
/// runtime calls it only after everything the message produced is confirmed downstream (at-least-once delivery).
/// </summary>
public interface IInputChannel : IAsyncDisposable
{
    /// <summary>The channel's address with secrets removed, for logs and dumps.</summary>
    string Name { get; }

    /// <summary>
    /// Up to <paramref name="maxCount"/> messages, waiting at most <paramref name="wait"/> for the first. An empty list means
    /// none arrived in time; null means the input is exhausted (end of a file or of standard input).
    /// </summary>
    ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Removes messages for good: their results are safely handed on.</summary>
    ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken);
}
