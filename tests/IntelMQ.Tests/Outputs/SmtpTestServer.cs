using System.Buffers;
using System.Collections.Concurrent;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace IntelMQ.Tests.Outputs;

/// <summary>
/// A real SMTP server (the SmtpServer library) on 127.0.0.1 and a free port, keeping every mail it accepted with its
/// envelope; recipients for which <c>refuse</c> says true are refused at RCPT TO (550). With <c>holdReplies</c>, a mail
/// counts as received when its data arrived, and the server answers DATA only once that task completes (for a test
/// that kills the sender in between).
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    readonly SmtpServer.SmtpServer _server;
    readonly CancellationTokenSource _stop = new();
    readonly Task _running;

    SmtpTestServer(int port, Func<string, bool> refuse, (string User, string Password)? login, Task? holdReplies)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e => e.Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)).AllowUnsecureAuthentication(true).AuthenticationRequired(login is not null))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(Received, holdReplies));
        services.Add(new DelegatingMailboxFilter((_, _) => true, (_, to, _) => !refuse(to.AsAddress())));
        if (login is { } l) services.Add(new SmtpServer.Authentication.DelegatingUserAuthenticator((user, password) => user == l.User && password == l.Password));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>Every accepted mail: the envelope's recipients and the parsed message.</summary>
    public ConcurrentQueue<(string[] Recipients, MimeMessage Message)> Received { get; } = new();

    public static SmtpTestServer Start(Func<string, bool>? refuse = null, (string User, string Password)? login = null, int port = 0, Task? holdReplies = null) =>
        new(port == 0 ? Channels.RedisServer.FreePort() : port, refuse ?? (_ => false), login, holdReplies);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    sealed class Store(ConcurrentQueue<(string[], MimeMessage)> received, Task? holdReplies) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            received.Enqueue(([.. transaction.To.Select(t => t.AsAddress())], message));
            if (holdReplies is not null) await holdReplies.WaitAsync(cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}
