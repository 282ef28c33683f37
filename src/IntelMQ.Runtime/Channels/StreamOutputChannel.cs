using System.Buffers;
using IntelMQ.Core;

namespace IntelMQ.Runtime.Channels;

/// <summary>Writes one message per line to a stream (standard output, a named pipe).</summary>
/// <param name="pipe">The stream is a pipe: a write error means its reader left (EPIPE), which no retry mends.</param>
public sealed class StreamOutputChannel(Stream stream, string name, MessageFormat format, bool pipe = false) : IOutputChannel
{
    public string Name { get; } = name;
    public MessageFormat Format { get; } = format;

    public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
    {
        try
        {
            // The batch as one block of lines in one synchronous write: the console's stream (a file, /dev/null) is not
            // buffered, so a write per line and per line end would be two system calls per event.
            var size = 0;
            foreach (var message in messages) size += message.Length + 1;
            var block = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                var at = 0;
                foreach (var message in messages)
                {
                    message.Span.CopyTo(block.AsSpan(at));
                    at += message.Length;
                    block[at++] = (byte)'\n';
                }
                stream.Write(block, 0, at);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
            await stream.FlushAsync(cancellationToken);
        }
        catch (IOException ex) when (pipe)
        {
            throw new ChannelClosedException($"{Name}: its reader went away ({ex.Message}); stopping, the current batch is not acknowledged", ex);
        }
    }

    public ValueTask DisposeAsync() => pipe ? DisposeQuietly() : stream.DisposeAsync();

    // Disposing flushes; a pipe whose reader left has already said so.
    async ValueTask DisposeQuietly()
    {
        try { await stream.DisposeAsync(); }
        catch (IOException) { }
    }

    /// <summary>
    /// Standard output. A pipe or terminal is written through a stream on descriptor 1 that reports a closed reader
    /// (EPIPE); the console's own stream ignores it, and events nobody read would count as delivered. A file keeps the
    /// console's stream: it writes at the offset the descriptor shares with standard error (<c>&gt; log 2&gt;&amp;1</c>),
    /// where a file stream would write at an offset of its own and overwrite what stderr wrote.
    /// </summary>
    public static StreamOutputChannel ForStandardOutput(MessageFormat format)
    {
        var descriptor = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1 << 16);
        if (!descriptor.CanSeek) return new StreamOutputChannel(descriptor, "stdout", format, pipe: true);
        descriptor.Dispose();
        return new StreamOutputChannel(Console.OpenStandardOutput(), "stdout", format);
    }
}
