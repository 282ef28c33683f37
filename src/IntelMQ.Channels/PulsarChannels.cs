using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>
/// <c>pulsar://HOST:PORT?topic=NAME&amp;subscription=S</c> — a persistent Pulsar topic through the broker's WebSocket
/// API. Inputs consume through a shared subscription: the broker pushes up to <c>receiver_queue</c> unacknowledged
/// messages to each consumer, and gives those of a consumer that disconnects to the others. Acknowledging sends each
/// message's id back. Outputs send a batch pipelined and return when Pulsar has a receipt for every message.
/// </summary>
public static class PulsarChannels
{
    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context) =>
        new Input(PulsarSettings.Parse(address, input: true), context);

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context) =>
        new Output(PulsarSettings.Parse(address, input: false), context);

    /// <summary>Opens a WebSocket; a refusal says why in terms of the address (never with the token).</summary>
    static async Task<ClientWebSocket> ConnectAsync(PulsarSettings settings, Uri endpoint, string role, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        settings.Configure(socket.Options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return socket;
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            var at = $"{settings.Name}: Pulsar's WebSocket service at {settings.Service}";
            var topic = $"persistent://{settings.Tenant}/{settings.Namespace}/{settings.Topic}";
            throw status switch
            {
                HttpStatusCode.Unauthorized => new ConfigurationException($"{at} refused the connection (401): {(settings.HasToken ? "the token was not accepted" : "it wants a token: give token_env= or token_file=")}."),
                HttpStatusCode.Forbidden => new ConfigurationException($"{at}: the token's role may not {role} {topic} (403)."),
                HttpStatusCode.NotFound => new ConfigurationException($"{at} has no WebSocket API (404): enable it (webSocketServiceEnabled=true in broker.conf, or run the websocket service) and give its HTTP port (8080 by default)."),
                HttpStatusCode.BadRequest => new ConfigurationException($"{at} refused the request (400): check tenant, namespace, topic and subscription_type for {topic}."),
                HttpStatusCode.Conflict => new IOException($"{at}: the subscription {settings.Subscription} is busy (409): an exclusive subscription already has its consumer."),
                0 => new ChannelUnavailableException($"{at}: cannot connect ({Root(ex).Message}).", ex),
                _ => new IOException($"{at} answered {(int)status} {status} instead of opening the WebSocket to {role} {topic}; see the broker's log.", ex),
            };
        }
    }

    /// <summary>At start-up a refusal is a configuration problem (the program stops with the reason); an unreachable service is retried by daemons.</summary>
    static ClientWebSocket ConnectAtStart(PulsarSettings settings, Uri endpoint, string role)
    {
        try
        {
            return Task.Run(() => ConnectAsync(settings, endpoint, role, CancellationToken.None)).GetAwaiter().GetResult();
        }
        catch (IOException ex) when (ex is not ChannelUnavailableException)
        {
            throw new ConfigurationException(ex.Message);
        }
    }

    static Exception Root(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    /// <summary>Reads one whole frame into <paramref name="frame"/>; false when the service closed the connection.</summary>
    static async ValueTask<bool> ReadFrameAsync(ClientWebSocket socket, ArrayBufferWriter<byte> frame, CancellationToken cancellationToken)
    {
        frame.ResetWrittenCount();
        while (true)
        {
            var result = await socket.ReceiveAsync(frame.GetMemory(16 * 1024), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return false;
            frame.Advance(result.Count);
            if (result.EndOfMessage) return true;
        }
    }

    static string Closed(ClientWebSocket socket) =>
        $"Pulsar closed the connection ({socket.CloseStatus}{(string.IsNullOrEmpty(socket.CloseStatusDescription) ? "" : ": " + socket.CloseStatusDescription)})";

    static async Task CloseAsync(ClientWebSocket socket, Task? receiving)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (socket.State == WebSocketState.Open)
            {
                // With a receive loop running, only our side of the close handshake is ours to do; the loop reads theirs.
                if (receiving is null) await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                else await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            if (receiving is not null) await receiving.WaitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // already broken: the service notices the closed socket either way
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>One connection of an input: its socket, the loop that reads what the service pushes, and what it read.</summary>
    sealed class Session(ClientWebSocket socket)
    {
        public ClientWebSocket Socket { get; } = socket;
        public Channel<PulsarMessage> Messages { get; } = Channel.CreateUnbounded<PulsarMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        public CancellationTokenSource Stop { get; } = new();
        public Task? Receiving { get; set; }

        /// <summary>Why the connection ended, once it has.</summary>
        public volatile string? Failure;

        public async Task ReceiveLoopAsync()
        {
            var frame = new ArrayBufferWriter<byte>(16 * 1024);
            try
            {
                while (await ReadFrameAsync(Socket, frame, Stop.Token))
                    if (PulsarFrames.TryReadMessage(frame.WrittenSpan, out var message))
                        Messages.Writer.TryWrite(message);
                Failure = Closed(Socket);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                Failure = ex.Message;
            }
            finally
            {
                Messages.Writer.TryComplete();
            }
        }
    }

    /// <summary>A received message's handle: the connection it came on (acknowledgements go back on that one) and its id.</summary>
    sealed record Receipt(Session Session, string MessageId);

    sealed class Input : IInputChannel
    {
        static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(10); // frames of a burst arrive one by one: a batch waits this much for the next...
        static readonly TimeSpan FillLimit = TimeSpan.FromMilliseconds(250); // ... for at most this long in all

        readonly PulsarSettings _settings;
        readonly Uri _endpoint;
        readonly TextWriter _log;
        readonly ArrayBufferWriter<byte> _frame = new(256);
        Session? _session;
        bool _down;

        public Input(PulsarSettings settings, ChannelContext context)
        {
            _settings = settings;
            _endpoint = settings.ConsumerUri(context);
            _log = context.Log;
            Name = $"{settings.Name} (subscription {settings.Subscription}, {settings.SubscriptionType})";
            Start(ConnectAtStart(settings, _endpoint, "consume from"));
        }

        public string Name { get; }

        void Start(ClientWebSocket socket)
        {
            var session = new Session(socket);
            session.Receiving = Task.Run(session.ReceiveLoopAsync);
            _session = session;
        }

        /// <summary>The current connection, or a new one; null (said once in the log) while the service cannot be reached.</summary>
        async Task<Session?> SessionAsync(CancellationToken cancellationToken)
        {
            if (_session is { } current) return current;
            try
            {
                Start(await ConnectAsync(_settings, _endpoint, "consume from", cancellationToken));
                if (_down) _log.WriteLine($"{Name}: connected again");
                _down = false;
                return _session;
            }
            catch (IOException ex)
            {
                if (!_down) _log.WriteLine($"{ex.Message} Trying again at every receive.");
                _down = true;
                return null;
            }
        }

        public async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var batch = new List<Delivery>();
            while (true)
            {
                var left = wait - clock.Elapsed;
                var session = await SessionAsync(cancellationToken);
                if (session is null)
                {
                    if (left > TimeSpan.Zero) await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken);
                    if (wait - clock.Elapsed <= TimeSpan.Zero) return batch;
                    continue;
                }
                var reader = session.Messages.Reader;
                if (!await WaitAsync(reader, left, cancellationToken))
                {
                    if (session.Failure is null) return batch; // nothing in time
                    Drop(session);
                    if (wait - clock.Elapsed <= TimeSpan.Zero) return batch;
                    await Task.Delay(100, cancellationToken); // a service that closes every connection at once is not hammered
                    continue;
                }
                var fill = Stopwatch.StartNew();
                while (batch.Count < maxCount)
                {
                    if (reader.TryRead(out var message))
                    {
                        var position = message.RedeliveryCount > 0 ? $"message {message.MessageId} (redelivery {message.RedeliveryCount})" : $"message {message.MessageId}";
                        batch.Add(new Delivery(message.Payload, position, new Receipt(session, message.MessageId)));
                    }
                    else if (fill.Elapsed >= FillLimit || !await WaitAsync(reader, Grace, cancellationToken)) break;
                }
                if (session.Failure is not null)
                {
                    // The connection ended while the batch was taken: Pulsar gives these messages to a consumer again.
                    Drop(session);
                    batch.Clear();
                    if (wait - clock.Elapsed <= TimeSpan.Zero) return batch;
                    continue;
                }
                return batch;
            }
        }

        /// <summary>True when a message is there to read within <paramref name="wait"/>.</summary>
        static async ValueTask<bool> WaitAsync(ChannelReader<PulsarMessage> reader, TimeSpan wait, CancellationToken cancellationToken)
        {
            if (reader.TryPeek(out _)) return true;
            if (wait <= TimeSpan.Zero) return false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                return await reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        public async ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            var session = _session;
            var lost = 0;
            for (var i = 0; i < deliveries.Count; i++)
            {
                var receipt = (Receipt)deliveries[i].Token!;
                if (session is null || receipt.Session != session || session.Failure is not null)
                {
                    lost++;
                    continue;
                }
                _frame.ResetWrittenCount();
                PulsarFrames.WriteAck(_frame, receipt.MessageId);
                try
                {
                    await session.Socket.SendAsync(_frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
                {
                    session.Failure ??= ex.Message;
                    Drop(session);
                    session = null;
                    lost++;
                }
            }
            if (lost > 0)
                _log.WriteLine($"{Name}: {lost} acknowledgements could not be sent, as the connection that delivered those messages is gone; Pulsar delivers them again");
        }

        /// <summary>Ends a connection; what it delivered and was not acknowledged goes to a consumer again.</summary>
        void Drop(Session session)
        {
            if (_session != session) return;
            _session = null;
            _log.WriteLine($"{Name}: {session.Failure ?? "connection lost"}; connecting again");
            session.Stop.Cancel();
            session.Socket.Abort();
            session.Socket.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            if (_session is not { } session) return;
            _session = null;
            await CloseAsync(session.Socket, session.Receiving);
            session.Stop.Dispose();
        }
    }

    sealed class Output : IOutputChannel
    {
        readonly PulsarSettings _settings;
        readonly Uri _endpoint;
        readonly ArrayBufferWriter<byte> _frame = new(4096);
        readonly TimeSpan _receiptTimeout;
        ClientWebSocket? _socket;
        long _context;

        public Output(PulsarSettings settings, ChannelContext context)
        {
            _settings = settings;
            _endpoint = settings.ProducerUri();
            // The service answers a message it could not store within send_timeout_ms with an error; silence beyond that is a dead connection.
            _receiptTimeout = TimeSpan.FromMilliseconds(settings.SendTimeoutMs + 10_000L);
            _socket = ConnectAtStart(settings, _endpoint, "produce to");
        }

        public string Name => _settings.Name;

        public MessageFormat Format => _settings.Format;

        public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            if (messages.Count == 0) return;
            var socket = _socket ??= await ConnectAsync(_settings, _endpoint, "produce to", cancellationToken);
            (int Refused, string? Error) result;
            try
            {
                result = await SendBatchAsync(socket, messages, cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or TimeoutException or ObjectDisposedException or OperationCanceledException)
            {
                // Receipts of this connection can no longer be matched: the batch goes again on a new one.
                _socket = null;
                socket.Abort();
                socket.Dispose();
                if (ex is OperationCanceledException) throw;
                throw new IOException($"{Name}: {ex.Message}; sending the batch again on a new connection", ex);
            }
            if (result.Refused > 0)
                throw new IOException($"{Name}: Pulsar refused {result.Refused} of {messages.Count} messages ({result.Error}).");
        }

        /// <summary>Sends every message, up to <c>max_pending</c> ahead of its receipt, and counts the refused ones.</summary>
        async Task<(int Refused, string? Error)> SendBatchAsync(ClientWebSocket socket, IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            var count = messages.Count;
            var first = _context + 1;
            _context += count;
            using var window = new SemaphoreSlim(Math.Min(_settings.MaxPending, count));
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            abort.CancelAfter(_receiptTimeout);
            var receipts = Task.Run(() => ReadReceiptsAsync(socket, first, count, window, abort));
            try
            {
                for (var i = 0; i < count; i++)
                {
                    await window.WaitAsync(abort.Token);
                    _frame.ResetWrittenCount();
                    PulsarFrames.WriteSend(_frame, messages[i].Span, first + i);
                    await socket.SendAsync(_frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, abort.Token);
                }
                return await receipts;
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
            {
                await abort.CancelAsync();
                var readerFailure = await FailureOf(receipts);
                cancellationToken.ThrowIfCancellationRequested();
                if (ex is not OperationCanceledException) throw;
                // The sending was stopped: by the receipts' reader, whose reason is the one, or by the silence timer.
                if (readerFailure is not null) ExceptionDispatchInfo.Throw(readerFailure);
                throw new TimeoutException($"Pulsar sent no receipt for {_receiptTimeout.TotalSeconds:0} s");
            }
        }

        static async Task<Exception?> FailureOf(Task task)
        {
            try
            {
                await task;
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                return ex;
            }
        }

        async Task<(int Refused, string? Error)> ReadReceiptsAsync(ClientWebSocket socket, long first, int count, SemaphoreSlim window, CancellationTokenSource abort)
        {
            var confirmed = new bool[count];
            var frame = new ArrayBufferWriter<byte>(256);
            int done = 0, refused = 0;
            string? error = null;
            try
            {
                while (done < count)
                {
                    if (!await ReadFrameAsync(socket, frame, abort.Token)) throw new IOException(Closed(socket));
                    if (!PulsarFrames.TryReadReceipt(frame.WrittenSpan, out var context, out var refusal)) continue;
                    var index = context - first;
                    if (index < 0 || index >= count || confirmed[index]) continue; // a receipt of an earlier, abandoned send
                    confirmed[index] = true;
                    done++;
                    if (refusal is not null)
                    {
                        refused++;
                        error ??= refusal;
                    }
                    window.Release();
                    abort.CancelAfter(_receiptTimeout); // progress: the silence timer starts again
                }
                return (refused, error);
            }
            catch
            {
                await abort.CancelAsync(); // stops the sending, which may be waiting for room in the window
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_socket is not { } socket) return;
            _socket = null;
            await CloseAsync(socket, receiving: null);
        }
    }
}
