using IntelMQ.Core;

namespace IntelMQ.Runtime.Channels;

/// <summary>Writes one message per line to a stream; a send is confirmed once flushed (and fsynced when asked).</summary>
public sealed class StreamOutputChannel(Stream stream, string name, MessageFormat format, bool fsync) : IOutputChannel
{
    public string Name { get; } = name;
    public MessageFormat Format { get; } = format;

    public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await stream.WriteAsync(message, cancellationToken);
            stream.WriteByte((byte)'\n');
        }
        await stream.FlushAsync(cancellationToken);
        if (fsync && stream is FileStream file) file.Flush(flushToDisk: true);
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
