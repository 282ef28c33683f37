using System.Net.Security;
using System.Runtime.CompilerServices;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Stomp;

/// <summary>
/// Subscribes to a STOMP destination (n6's stream among others) with ack: client-individual and hands on every message
/// as a report; a message is acknowledged only once it is handed on, so the broker sends again what a crash or a
/// failed hand-off left unacknowledged. IntelMQ's collector acknowledges automatically, losing the messages in hand.
/// </summary>
[Program("stomp-collector", ProgramKind.Collector, "Subscribes to a STOMP destination (n6's stream among others) and hands on every message, acknowledging it only once handed on.",
    Modules = ["intelmq.bots.collectors.stomp.collector", "intelmq.bots.collectors.n6.collector_stomp"],
    Options = typeof(StompCollectorOptions),
    Description = """
        Connects to server:port with STOMP 1.2 over TLS (ssl_ca_certificate: the CAs to trust, empty for the
        system's), authenticated by the client certificate ssl_client_certificate (with ssl_client_certificate_key)
        or, with auth_by_ssl_client_certificate false, by username and password (n6's newer authentication), and
        subscribes to exchange with ack: client-individual. Every message is a report (its body, with feed.url
        stomp+ssl://server:port/exchange) and is acknowledged (ACK) only once every output confirmed it: a crash or
        a failed hand-off leaves it unacknowledged and the broker sends it again (at least once; IntelMQ's collector
        acknowledges on receipt, at most once). Heart-beats go both ways every heartbeat milliseconds; a broker
        silent for twice that, a broken or closed connection, or a broker that cannot be reached is retried with
        backoff. A refused login or TLS failure waits for the next run. Run it with --daemon (rate_limit: the wait
        before reconnecting once the broker ends the connection).
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run stomp-collector --daemon --set server=n6stream-new.cert.pl --set exchange='/exchange/my.example.org/*.*.*.*' --set auth_by_ssl_client_certificate=false --set username=me@my.example.org --set password=KEY --set name=n6 --set provider=CERT.pl --output 'redis://localhost:6379/2?queue=n6-parser-queue'",
        "intelmq run intelmq.bots.collectors.stomp.collector --config n6.yaml --daemon",
    ])]
public sealed class StompCollector : ICollector
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly StompCollectorOptions _options;
    readonly ProgramContext _context;
    readonly string _exchange;
    readonly SslClientAuthenticationOptions? _tls;
    readonly string _feedUrl;

    /// <exception cref="ConfigurationException">No exchange, or a certificate or CA file that cannot be read.</exception>
    public StompCollector(StompCollectorOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        var name = context.Id is { Length: > 0 } id ? id : "stomp-collector";
        _exchange = options.Exchange is { Length: > 0 } exchange ? exchange
            : throw new ConfigurationException($"{name}: option 'exchange' is missing: the STOMP destination to subscribe to, e.g. /exchange/my.example.org/*.*.*.*");
        if (options.Server is not { Length: > 0 }) throw new ConfigurationException($"{name}: option 'server' is empty: the STOMP broker's host name.");
        if (options.Ssl)
        {
            _tls = new SslClientAuthenticationOptions
            {
                TargetHost = options.Server,
                RemoteCertificateValidationCallback = CertificateTrust.Callback(options.SslCaCertificate ?? "", "ssl_ca_certificate", name),
            };
            if (options.AuthBySslClientCertificate)
            {
                if (options.SslClientCertificate is not { Length: > 0 } certificate)
                    throw new ConfigurationException($"{name}: auth_by_ssl_client_certificate needs ssl_client_certificate, the PEM file of your client certificate; or set it to false and give username and password.");
                _tls.ClientCertificates = [FeedHttpClient.ClientCertificate(certificate, options.SslClientCertificateKey, name)];
            }
        }
        else if (options.AuthBySslClientCertificate)
            throw new ConfigurationException($"{name}: a client certificate needs TLS: with ssl false set auth_by_ssl_client_certificate to false and give username and password.");
        _feedUrl = $"stomp{(options.Ssl ? "+ssl" : "")}://{options.Server}:{options.Port}{(_exchange.StartsWith('/') ? "" : "/")}{_exchange}";
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var byPassword = !_options.AuthBySslClientCertificate;
        await using var connection = await StompConnection.OpenAsync(_options.Server, _options.Port, _tls, _options.Vhost,
            byPassword ? _options.Username : null, byPassword ? _options.Password?.Reveal() ?? "guest" : null,
            TimeSpan.FromMilliseconds(_options.Heartbeat), cancellationToken);
        await connection.SubscribeAsync(_exchange, cancellationToken);
        _context.Log.LogInformation("{Where}: subscribed to {Exchange}", connection.Where, _exchange);
        while (true)
        {
            var frame = await connection.ReadAsync(cancellationToken)
                        ?? throw new TransientException($"{connection.Where}: the broker closed the connection");
            if (frame.Command == "ERROR") throw new IOException($"{connection.Where}: the broker reported an error: {StompConnection.Describe(frame)}");
            if (frame.Command != "MESSAGE") continue;
            var ack = frame["ack"] ?? frame["message-id"];
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, _feedUrl);
            yield return new CollectedReport(report, new MemoryStream(frame.Body))
            {
                Origin = $"{connection.Where} {_exchange} message {frame["message-id"]}",
                Commit = ack is null ? null : ct => new ValueTask(connection.AckAsync(ack, ct)),
            };
        }
    }
}
