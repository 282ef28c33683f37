using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// A minimal STOMP 1.2 broker on 127.0.0.1 for the collector's tests: over TLS with a required client certificate, or
/// plain with a login; one queue whose messages go to the subscriber and stay until it ACKs them, coming again (first)
/// when its connection ends unacknowledged, as a broker with ack: client-individual does.
/// </summary>
public sealed class StompServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly X509Certificate2? _certificate;
    readonly CancellationTokenSource _stop = new();
    readonly LinkedList<(string Id, string Body)> _queue = new();
    readonly SemaphoreSlim _arrived = new(0);
    readonly Task _accepting;
    int _next;

    public StompServer(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The ids of the messages acknowledged, in order.</summary>
    public List<string> Acked { get; } = [];

    /// <summary>The headers of every CONNECT frame, in order.</summary>
    public List<Dictionary<string, string>> Connects { get; } = [];

    /// <summary>The subscriptions' headers, one dictionary per SUBSCRIBE.</summary>
    public List<Dictionary<string, string>> Subscriptions { get; } = [];

    /// <summary>How many messages were sent to a subscriber (deliveries, redeliveries counted).</summary>
    public int Delivered { get; private set; }

    public string Login { get; init; } = "guest";
    public string Passcode { get; init; } = "guest";

    public void Publish(string body)
    {
        lock (_queue) _queue.AddLast(($"m{++_next}", body));
        _arrived.Release();
    }

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    async Task ServeAsync(TcpClient client)
    {
        var unacked = new Dictionary<string, (string Id, string Body)>();
        using var connection = client;
        try
        {
            Stream stream = client.GetStream();
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate, ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
                }, _stop.Token);
                stream = ssl;
            }
            var reader = new FrameReader(stream);
            var connect = await reader.ReadAsync(_stop.Token);
            if (connect is null) return;
            lock (Connects) Connects.Add(connect.Value.Headers);
            if (_certificate is null && (connect.Value.Headers.GetValueOrDefault("login") != Login || connect.Value.Headers.GetValueOrDefault("passcode") != Passcode))
            {
                await WriteAsync(stream, "ERROR\nmessage:Access refused for user\n\n\0");
                return;
            }
            await WriteAsync(stream, "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0");
            var subscribe = await reader.ReadAsync(_stop.Token);
            if (subscribe is not { Command: "SUBSCRIBE" } s) return;
            lock (Subscriptions) Subscriptions.Add(s.Headers);
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            _ = Task.Run(async () =>
            {
                try
                {
                    while (await reader.ReadAsync(ended.Token) is { } frame)
                        if (frame.Command == "ACK")
                            lock (_queue)
                            {
                                unacked.Remove(frame.Headers["id"]);
                                Acked.Add(frame.Headers["id"]);
                            }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
                {
                }
                finally
                {
                    try { ended.Cancel(); } catch (ObjectDisposedException) { }
                }
            });
            while (true)
            {
                // Cancelled when the client's connection ends, so that no wait is left to take a later message.
                await _arrived.WaitAsync(ended.Token);
                (string Id, string Body) message;
                lock (_queue)
                {
                    if (_queue.First is not { } first) continue;
                    message = first.Value;
                    _queue.RemoveFirst();
                    unacked[message.Id] = message;
                    Delivered++;
                }
                var body = Encoding.UTF8.GetBytes(message.Body);
                await WriteAsync(stream, $"MESSAGE\nsubscription:{s.Headers["id"]}\nmessage-id:{message.Id}\nack:{message.Id}\n"
                                         + $"destination:{s.Headers["destination"].Replace(":", "\\c")}\ncontent-length:{body.Length}\n\n{message.Body}\0");
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            // Unacknowledged messages go back to the front of the queue, as a broker redelivers them.
            lock (_queue)
                foreach (var message in unacked.Values.OrderByDescending(m => int.Parse(m.Id[1..])))
                {
                    _queue.AddFirst(message);
                    _arrived.Release();
                }
        }
    }

    static async Task WriteAsync(Stream stream, string frame)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(frame));
        await stream.FlushAsync();
    }

    /// <summary>Reads a client's frames (commands and headers; clients send these frames without bodies).</summary>
    sealed class FrameReader(Stream stream)
    {
        readonly byte[] _one = new byte[1];

        public async Task<(string Command, Dictionary<string, string> Headers)?> ReadAsync(CancellationToken cancellationToken)
        {
            var frame = new MemoryStream();
            while (true)
            {
                if (await stream.ReadAsync(_one, cancellationToken) == 0) return null;
                if (_one[0] == 0) break;
                if (_one[0] == '\n' && frame.Length == 0) continue;
                frame.WriteByte(_one[0]);
            }
            var lines = Encoding.UTF8.GetString(frame.ToArray()).Split('\n');
            var headers = new Dictionary<string, string>();
            foreach (var line in lines.Skip(1).TakeWhile(l => l.Length > 0))
                headers.TryAdd(line[..line.IndexOf(':')], line[(line.IndexOf(':') + 1)..].Replace("\\c", ":"));
            return (lines[0], headers);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _listener.Dispose();
        _stop.Dispose();
    }
}
