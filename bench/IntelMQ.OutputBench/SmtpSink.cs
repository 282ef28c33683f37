using System.Buffers;
using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

/// <summary>An SMTP server on 127.0.0.1 and a free port that accepts every mail and only counts mails and bytes.</summary>
sealed class SmtpSink : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _running;
    readonly Counter _counter = new();

    SmtpSink()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new ServiceProvider();
        services.Add(_counter);
        services.Add(new NoDelayListeners());
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }
    public long Mails => Interlocked.Read(ref _counter.Mails);
    public long Bytes => Interlocked.Read(ref _counter.Bytes);

    public static SmtpSink Start() => new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    // SmtpServer writes each pipelined reply on its own; with Nagle the second waits for the client's delayed ACK (40 ms
    // a mail), where a real MTA sends them together: the sink's connections send at once.
    sealed class NoDelayListeners : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpoint) => new Listener(endpoint);

        sealed class Listener : IEndpointListener
        {
            readonly TcpListener _listener;

            public Listener(IEndpointDefinition endpoint)
            {
                _listener = new TcpListener(endpoint.Endpoint);
                _listener.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                client.NoDelay = true;
                context.Properties.Add(EndpointListener.LocalEndPointKey, _listener.LocalEndpoint);
                context.Properties.Add(EndpointListener.RemoteEndPointKey, client.Client.RemoteEndPoint!);
                return new PlainPipe(client);
            }

            public void Dispose() => _listener.Stop();
        }

        sealed class PlainPipe(TcpClient client) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(client.GetStream());
            public PipeWriter Output { get; } = PipeWriter.Create(client.GetStream());
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken) =>
                throw new NotSupportedException("the sink speaks plain SMTP only");

            public void Dispose() => client.Dispose();
        }
    }

    sealed class Counter : MessageStore
    {
        public long Mails, Bytes;

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Mails);
            Interlocked.Add(ref Bytes, buffer.Length);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
