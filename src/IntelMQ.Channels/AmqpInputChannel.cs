using System.Diagnostics;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace IntelMQ.Channels;

/// <summary>
/// Consumes a RabbitMQ queue with manual acknowledgements. The broker pushes up to <c>prefetch</c> unacknowledged
/// messages into a local buffer; a receive takes what is buffered. Whatever is not acknowledged when the connection
/// ends (a crash, a kill, a network failure) the broker hands out again.
/// </summary>
internal sealed class AmqpInputChannel(AmqpSettings settings, ChannelContext context) : IInputChannel
{
    /// <summary>How long a batch waits for the next message once it has one: the gap within a burst, not between bursts.</summary>
    static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    Session? _session;
    bool _connected, _reconnectLogged;

    public string Name => settings.Name;

    public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        var batch = new List<Delivery>();
        for (var first = true; ; first = false)
        {
            if (!first && clock.Elapsed >= wait) return batch; // the session kept closing: try again on the next call
            var session = await SessionAsync(maxCount, cancellationToken);
            if (session is null)
            {
                // The broker is away: come back empty after the wait, and try again on the next call.
                if (clock.Elapsed < wait) await Task.Delay(wait - clock.Elapsed, cancellationToken);
                return batch;
            }
            var reader = session.Buffer.Reader;
            try
            {
                if (!reader.TryPeek(out _) && !await reader.WaitToReadAsync(timeout.Token))
                {
                    await DropAsync();
                    continue;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return batch;
            }
            if (!session.Alive)
            {
                await DropAsync();
                continue;
            }
            // The broker streams a backlog message by message: while more keep coming, let them join this batch.
            while (true)
            {
                while (batch.Count < maxCount && reader.TryRead(out var delivery)) batch.Add(delivery);
                if (batch.Count >= maxCount || clock.Elapsed >= wait || !await MoreWithinAsync(reader, Linger, cancellationToken)) return batch;
            }
        }
    }

    static async Task<bool> MoreWithinAsync(System.Threading.Channels.ChannelReader<Delivery> reader, TimeSpan linger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(linger);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The open session, opening one when there is none; null when the broker went away and is still unreachable.</summary>
    async Task<Session?> SessionAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (_session is { Alive: true }) return _session;
        if (_session is not null) await DropAsync();
        try
        {
            _session = await OpenAsync(maxCount, cancellationToken);
        }
        catch (Exception ex) when (_connected && ex is IOException or AlreadyClosedException or TimeoutException)
        {
            if (!_reconnectLogged) context.Log.WriteLine($"{ex.Message} Retrying.");
            _reconnectLogged = true;
            return null;
        }
        if (_reconnectLogged) context.Log.WriteLine($"{Name}: connected again.");
        _connected = true;
        _reconnectLogged = false;
        return _session;
    }

    async Task<Session> OpenAsync(int maxCount, CancellationToken cancellationToken)
    {
        var connection = await settings.ConnectAsync($"intelmq {context.ProgramId}-{context.WorkerId} (input)", cancellationToken);
        try
        {
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await settings.DeclareQueueAsync(channel, cancellationToken);
            var prefetch = settings.Prefetch ?? (maxCount > 0 ? (int)Math.Min(2L * maxCount, ushort.MaxValue) : 1000);
            await channel.BasicQosAsync(0, (ushort)prefetch, global: false, cancellationToken);
            var session = new Session(connection, channel);
            await channel.BasicConsumeAsync(settings.Queue!, autoAck: false, $"{context.ProgramId}-{context.WorkerId}", noLocal: false,
                exclusive: false, arguments: null, session, cancellationToken);
            return session;
        }
        catch (OperationInterruptedException ex)
        {
            await AmqpSettings.CloseAsync(connection);
            throw new IOException($"{Name}: RabbitMQ refused to open the queue ({ex.ShutdownReason?.ReplyText ?? ex.Message}).", ex);
        }
        catch
        {
            await AmqpSettings.CloseAsync(connection);
            throw;
        }
    }

    /// <summary>
    /// Acknowledges with one <c>multiple</c> ack when the batch is the next contiguous run of delivery tags on the
    /// current channel (the usual case), otherwise one by one. A batch from a channel that has since closed cannot be
    /// acknowledged: the broker has already put it back in the queue.
    /// </summary>
    public async ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
    {
        if (deliveries.Count == 0) return;
        var first = (Tag)deliveries[0].Token!;
        var lost = 0;
        try
        {
            if (IsNextRun(first, deliveries))
            {
                var last = first.DeliveryTag + (ulong)deliveries.Count - 1;
                if (first.Session.Alive)
                {
                    await first.Session.Channel.BasicAckAsync(last, multiple: true, cancellationToken);
                    first.Session.Acknowledged(last, multiple: true);
                }
                else lost = deliveries.Count;
            }
            else
            {
                foreach (var delivery in deliveries)
                {
                    var tag = (Tag)delivery.Token!;
                    if (!tag.Session.Alive || tag.Session != _session)
                    {
                        lost++;
                        continue;
                    }
                    await tag.Session.Channel.BasicAckAsync(tag.DeliveryTag, multiple: false, cancellationToken);
                    tag.Session.Acknowledged(tag.DeliveryTag, multiple: false);
                }
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            lost = deliveries.Count; // some acks may have reached the broker: at worst, duplicates
        }
        if (lost > 0)
            context.Log.WriteLine($"{Name}: the connection closed before {lost} messages were acknowledged; RabbitMQ delivers them again (duplicates downstream).");
    }

    bool IsNextRun(Tag first, IReadOnlyList<Delivery> deliveries)
    {
        if (first.Session != _session || first.DeliveryTag != first.Session.AckedThrough + 1) return false;
        for (var i = 1; i < deliveries.Count; i++)
            if (deliveries[i].Token is not Tag tag || tag.Session != first.Session || tag.DeliveryTag != first.DeliveryTag + (ulong)i) return false;
        return true;
    }

    async Task DropAsync()
    {
        if (_session is null) return;
        var session = _session;
        _session = null;
        if (session.Reason is { } reason)
            context.Log.WriteLine($"{Name}: the connection to RabbitMQ closed ({reason}); reconnecting. Its unacknowledged messages are delivered again.");
        await AmqpSettings.CloseAsync(session.Connection);
    }


    public async ValueTask DisposeAsync()
    {
        if (_session is null) return;
        var session = _session;
        _session = null;
        await AmqpSettings.CloseAsync(session.Connection);
    }

    /// <summary>A delivery's handle: the channel (session) it came on and its tag there.</summary>
    sealed record Tag(Session Session, ulong DeliveryTag);

    /// <summary>One connection, one channel and its consumer; deliveries go to a buffer that receives read.</summary>
    sealed class Session(IConnection connection, IChannel channel) : AsyncDefaultBasicConsumer(channel)
    {
        readonly HashSet<ulong> _ackedAhead = [];
        volatile bool _alive = true;

        public IConnection Connection { get; } = connection;

        public System.Threading.Channels.Channel<Delivery> Buffer { get; } =
            System.Threading.Channels.Channel.CreateUnbounded<Delivery>(new() { SingleReader = true, SingleWriter = true });

        public bool Alive => _alive && Channel.IsOpen;

        /// <summary>Why the session ended, when the broker or the network ended it.</summary>
        public string? Reason { get; private set; }

        /// <summary>Every delivery tag up to this one is acknowledged.</summary>
        public ulong AckedThrough { get; private set; }

        public void Acknowledged(ulong deliveryTag, bool multiple)
        {
            if (multiple)
            {
                AckedThrough = deliveryTag;
                if (_ackedAhead.Count > 0) _ackedAhead.RemoveWhere(t => t <= deliveryTag);
            }
            else _ackedAhead.Add(deliveryTag);
            while (_ackedAhead.Remove(AckedThrough + 1)) AckedThrough++;
        }

        public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            // The body's memory is the client's and reused after this returns.
            Buffer.Writer.TryWrite(new Delivery(body.ToArray(), redelivered ? $"delivery {deliveryTag} (redelivered)" : $"delivery {deliveryTag}", new Tag(this, deliveryTag)));
            return Task.CompletedTask;
        }

        protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
        {
            Reason ??= "the broker cancelled the consumer (was the queue deleted?)";
            End();
            return Task.CompletedTask;
        }

        public override async Task HandleChannelShutdownAsync(object channel, ShutdownEventArgs reason)
        {
            if (reason.Initiator != ShutdownInitiator.Application) Reason ??= $"{reason.ReplyCode} {reason.ReplyText}";
            End();
            await base.HandleChannelShutdownAsync(channel, reason);
        }

        void End()
        {
            _alive = false;
            Buffer.Writer.TryComplete();
        }
    }
}
