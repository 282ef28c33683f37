namespace IntelMQ.Runtime.Channels;

/// <summary>A queue channel that can tell how many messages wait in it and its configured bound (backpressure).</summary>
public interface IQueueDepth
{
    /// <summary>Messages waiting now, and the bound producers wait at (null: unbounded).</summary>
    ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken);
}
