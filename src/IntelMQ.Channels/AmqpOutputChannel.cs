using IntelMQ.Core;
using IntelMQ.Runtime.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace IntelMQ.Channels;

/// <summary>
/// Publishes persistent messages with publisher confirms and returns once the broker confirmed every one. Messages a
/// full queue rejects (<c>max_length</c>, <c>x-overflow=reject-publish</c>) are published again with backoff until
/// accepted: that is backpressure, not an error.
/// </summary>
internal sealed class AmqpOutputChannel(AmqpSettings settings, ChannelContext context) : IOutputChannel, IQueueDepth
{
    public async ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) =>
        settings.Queue is null ? (0, null)
        : ((long)await (await ChannelAsync(cancellationToken)).MessageCountAsync(settings.Queue, cancellationToken), settings.MaxLength > 0 ? settings.MaxLength : null);

    /// <summary>Publishes awaiting their confirm at once; bounds the memory a large batch holds in the client.</summary>
    const int Window = 1000;

    // While the queue is full (max_length): short waits, so that sending resumes soon after consumers make room.
    static readonly Backoff FullQueue = new(TimeSpan.FromMilliseconds(25), TimeSpan.FromSeconds(2));

    IConnection? _connection;
    IChannel? _channel;
    bool _waitLogged;

    public string Name => settings.Name;
    public MessageFormat Format => settings.Format;

    public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < messages.Count; offset += Window)
        {
            IReadOnlyList<ReadOnlyMemory<byte>> part = Slice(messages, offset, Math.Min(Window, messages.Count - offset));
            for (var attempt = 0; part.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    if (!_waitLogged)
                        context.Log.WriteLine($"{Name}: RabbitMQ rejects messages, the queue is full (max_length); waiting for its consumers before sending more.");
                    _waitLogged = true;
                    await Task.Delay(FullQueue.Delay(attempt - 1), cancellationToken);
                }
                part = await PublishAsync(await ChannelAsync(cancellationToken), part, cancellationToken);
            }
        }
    }

    static IReadOnlyList<ReadOnlyMemory<byte>> Slice(IReadOnlyList<ReadOnlyMemory<byte>> messages, int offset, int count)
    {
        if (offset == 0 && count == messages.Count) return messages;
        var part = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++) part[i] = messages[offset + i];
        return part;
    }

    /// <summary>Publishes and waits for every confirm; returns the messages the broker nacked (a full queue), to send again.</summary>
    async Task<IReadOnlyList<ReadOnlyMemory<byte>>> PublishAsync(IChannel channel, IReadOnlyList<ReadOnlyMemory<byte>> part, CancellationToken cancellationToken)
    {
        var exchange = settings.Exchange ?? "";
        var confirms = new Task[part.Count];
        for (var i = 0; i < part.Count; i++)
        {
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
            confirms[i] = channel.BasicPublishAsync(exchange, settings.RoutingKey, mandatory: true, properties, part[i], cancellationToken).AsTask();
        }
        try
        {
            await Task.WhenAll(confirms);
            return [];
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // looked at per message below
        }
        var nacked = new List<ReadOnlyMemory<byte>>();
        Exception? failure = null;
        for (var i = 0; i < confirms.Length; i++)
        {
            switch (confirms[i].Exception?.InnerException)
            {
                case null:
                    break;
                case PublishException { IsReturn: false }:
                    nacked.Add(part[i]);
                    break;
                case PublishException:
                    failure ??= new InvalidOperationException(settings.Exchange is null
                        ? $"{Name}: RabbitMQ cannot route the messages: queue '{settings.Queue}' does not exist (declare=false?)."
                        : $"{Name}: exchange '{settings.Exchange}' routes routing key '{settings.RoutingKey}' to no queue; bind a queue to it.");
                    break;
                case var error:
                    failure ??= error;
                    break;
            }
        }
        if (failure is null) return nacked;
        if (!channel.IsOpen) await ResetAsync();
        if (failure is InvalidOperationException) throw failure;
        throw new IOException($"{Name}: publishing to RabbitMQ failed ({failure.Message}); nothing is lost, the batch is sent again.", failure);
    }

    async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true }) return _channel;
        await ResetAsync();
        var connection = await settings.ConnectAsync($"intelmq {context.ProgramId}-{context.WorkerId} (output)", cancellationToken);
        try
        {
            // Tracking makes each publish complete with its confirm (or throw on a nack); our Window is the only limit.
            var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: null);
            var channel = await connection.CreateChannelAsync(options, cancellationToken);
            await settings.DeclareQueueAsync(channel, cancellationToken);
            await settings.CheckExchangeAsync(channel, cancellationToken);
            (_connection, _channel) = (connection, channel);
            return channel;
        }
        catch (OperationInterruptedException ex)
        {
            await AmqpSettings.CloseAsync(connection);
            throw new IOException($"{Name}: RabbitMQ refused the channel ({ex.ShutdownReason?.ReplyText ?? ex.Message}).", ex);
        }
        catch
        {
            await AmqpSettings.CloseAsync(connection);
            throw;
        }
    }

    async Task ResetAsync()
    {
        var connection = _connection;
        (_connection, _channel) = (null, null);
        if (connection is not null) await AmqpSettings.CloseAsync(connection);
    }


    public async ValueTask DisposeAsync() => await ResetAsync();
}
