using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace IntelMQ.Collectors.OpenDxl;

/// <summary>
/// Subscribes to a topic of an OpenDXL fabric (McAfee/Trellix DXL: MQTT 3.1.1 over TLS with client certificates) and
/// hands every DXL event's payload on as a report, acknowledging the MQTT message only once it is handed on; the
/// broker keeps the session (clean session off) and sends again what a crash left unacknowledged. IntelMQ's collector
/// uses the OpenDXL client, which subscribes with QoS 0 on a clean session: at most once.
/// </summary>
[Program("opendxl-collector", ProgramKind.Collector, "Subscribes to a topic of an OpenDXL fabric and hands on every DXL event's payload, acknowledging it only once handed on.",
    Modules = ["intelmq.bots.collectors.opendxl.collector"],
    Options = typeof(OpenDxlCollectorOptions),
    Description = """
        Reads dxl_config_file (the dxlclient.config of the OpenDXL client: [Certs] BrokerCertChain, CertFile and
        PrivateKey, [Brokers] id=id;port;host name;ip address, optionally [General] ClientId) and refuses a broken one
        at start, naming the line. Connects with MQTT 3.1.1 over TLS to the brokers in the file's order (each by host
        name, then by IP address), trusting only the CAs of BrokerCertChain (the broker's name is not checked, as the
        OpenDXL client does not: a fabric's broker certificates name broker ids) and presenting CertFile with
        PrivateKey; subscribes to dxl_topic with QoS 1 on a persistent session (clean session off, client id ClientId
        or intelmq-<instance id>). Every DXL event is a report: its payload (McAfee ATD's JSON report for the ATD
        parser), with feed.url mqtts://host:port/topic; its MQTT message is acknowledged only once every output
        confirmed the report, so a crash or a failed hand-off leaves it with the broker, which sends it again. A message
        that is no DXL event (not msgpack as DXL's, or a request, response or error) goes to the dump with the reason
        and is acknowledged. No broker reachable or a lost connection is retried with backoff; a refused certificate
        is logged and tried again at the next run. Run it with --daemon. Tested against MQTTnet's broker, not a DXL
        broker.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run opendxl-collector --daemon --set dxl_config_file=/etc/intelmq/dxlclient.config --set dxl_topic=/mcafee/event/atd/file/report --set name='McAfee ATD' --output 'redis://localhost:6379/2?queue=atd-parser-queue'",
        "intelmq run intelmq.bots.collectors.opendxl.collector --config atd.yaml --daemon",
    ])]
public sealed class OpenDxlCollector : ICollector
{
    // What the subscription may hold unacknowledged in memory while the runtime hands on the report before them.
    const int Prefetch = 64;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;
    static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    readonly ProgramContext _context;
    readonly string _name;
    readonly string _topic;
    readonly DxlClientConfig _config;
    readonly X509Certificate2Collection _trusted = [];
    readonly X509Certificate2 _certificate;
    readonly string _clientId;

    /// <exception cref="ConfigurationException">No config file or topic, a broken config file, or certificates that cannot be read: the message names the file and line.</exception>
    public OpenDxlCollector(OpenDxlCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "opendxl-collector";
        var file = options.DxlConfigFile is { Length: > 0 } given ? given
            : throw new ConfigurationException($"{_name}: option 'dxl_config_file' is missing: the dxlclient.config file of your DXL fabric's provisioning.");
        _topic = options.DxlTopic is { Length: > 0 } topic ? topic
            : throw new ConfigurationException($"{_name}: option 'dxl_topic' is missing: the DXL topic to subscribe to, e.g. /mcafee/event/atd/file/report.");
        _config = DxlClientConfig.Load(file, _name);
        try
        {
            _trusted.ImportFromPemFile(_config.BrokerCertChain);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationException($"{_name}: dxl_config_file '{file}': BrokerCertChain '{_config.BrokerCertChain}' cannot be read as PEM certificates: {ex.Message}");
        }
        if (_trusted.Count == 0)
            throw new ConfigurationException($"{_name}: dxl_config_file '{file}': BrokerCertChain '{_config.BrokerCertChain}' holds no PEM certificate; give the broker CA bundle.");
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(_config.CertFile, _config.PrivateKey);
            // A PEM key is ephemeral; TLS needs one it can hand to the platform, which a PKCS#12 round trip gives.
            _certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ConfigurationException($"{_name}: dxl_config_file '{file}': CertFile '{_config.CertFile}' with PrivateKey '{_config.PrivateKey}' cannot be read as a PEM certificate and its key: {ex.Message}");
        }
        _clientId = _config.ClientId ?? $"intelmq-{_name}";
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var received = Channel.CreateBounded<MqttApplicationMessageReceivedEventArgs>(new BoundedChannelOptions(Prefetch) { SingleReader = true });
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += async e =>
        {
            e.AutoAcknowledge = false;
            try
            {
                await received.Writer.WriteAsync(e, closing.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                // Not acknowledged: the broker sends it again on the next connection.
            }
        };
        var where = "";
        // Registered before connecting, so that a connection lost at once is not missed; failed attempts are ConnectAsync's.
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
                received.Writer.TryComplete(new TransientException($"{where}: the connection was lost: {e.Exception?.Message ?? e.ReasonString ?? e.Reason.ToString()}", e.Exception));
            return Task.CompletedTask;
        };
        try
        {
            where = await ConnectAsync(client, cancellationToken);
            var subscription = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            if (subscription.Items.FirstOrDefault() is { ResultCode: not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2) } refused)
                throw new IOException($"{where}: the broker refused the subscription to {_topic}: {refused.ResultCode}{(refused.ResultCode == MqttClientSubscribeResultCode.GrantedQoS0 ? " (QoS 0 only: messages would be lost in a crash)" : "")}");
            _context.Log.LogInformation("{Where}: subscribed to {Topic} as {ClientId}", where, _topic, _clientId);
            var feedUrl = $"{where}{(_topic.StartsWith('/') ? "" : "/")}{_topic}";
            MqttApplicationMessageReceivedEventArgs? unsettled = null;
            while (true)
            {
                // The host asks for the next report only once the last is dealt with: one it dumped (larger than
                // max_report_size, not UTF-8) was not committed, and is acknowledged here rather than sent again.
                if (unsettled is not null) await unsettled.AcknowledgeAsync(cancellationToken);
                var message = unsettled = await NextAsync(received.Reader, cancellationToken);
                yield return Report(message, feedUrl, () => unsettled = null);
            }
        }
        finally
        {
            await closing.CancelAsync();
            received.Writer.TryComplete();
            if (client.IsConnected)
            {
                try
                {
                    // Clean session off: the broker keeps the subscription and what was not acknowledged.
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
                }
                catch (MqttCommunicationException)
                {
                    // The broker went first: there is nothing left to close.
                }
            }
        }
    }

    static async Task<MqttApplicationMessageReceivedEventArgs> NextAsync(ChannelReader<MqttApplicationMessageReceivedEventArgs> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is TransientException lost)
        {
            throw new TransientException(lost.Message, lost.InnerException);
        }
    }

    CollectedReport Report(MqttApplicationMessageReceivedEventArgs message, string feedUrl, Action settled)
    {
        var report = new Event(MessageKind.Report);
        report.Add(FeedUrlField, feedUrl);
        var origin = $"{feedUrl} MQTT message {message.PacketIdentifier}";
        Func<CancellationToken, ValueTask> acknowledge = ct =>
        {
            settled();
            return new ValueTask(message.AcknowledgeAsync(ct));
        };
        DxlEvent dxl;
        try
        {
            dxl = DxlEvent.Decode(message.ApplicationMessage.Payload);
        }
        catch (InvalidDataException ex)
        {
            return new CollectedReport(report, Stream.Null)
            {
                Origin = origin,
                Error = new InvalidDataException($"{ex.Message} ({message.ApplicationMessage.Payload.Length} bytes beginning {Convert.ToHexString(Head(message.ApplicationMessage.Payload))})", ex),
                Commit = acknowledge,
            };
        }
        return new CollectedReport(report, new MemoryStream(dxl.Payload, writable: false))
        {
            Origin = $"{feedUrl} DXL event {dxl.MessageId} from {dxl.SourceClientId}",
            Commit = acknowledge,
        };
    }

    static byte[] Head(ReadOnlySequence<byte> payload) => payload.Slice(0, Math.Min(payload.Length, 32)).ToArray();

    /// <returns>Where it connected: mqtts://host:port.</returns>
    /// <exception cref="TransientException">No broker could be reached.</exception>
    /// <exception cref="IOException">A broker was reached, but TLS or the login failed: its certificate, or ours, is refused.</exception>
    async Task<string> ConnectAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var refused = false;
        foreach (var broker in _config.Brokers)
        {
            foreach (var host in broker.IpAddress is { } ip && ip != broker.HostName ? [broker.HostName, ip] : (string[])[broker.HostName])
            {
                var where = $"mqtts://{(host.Contains(':') ? $"[{host}]" : host)}:{broker.Port}";
                try
                {
                    await client.ConnectAsync(Options(host, broker.Port), cancellationToken);
                    return where;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                                           && ex is MqttCommunicationException or IOException or AuthenticationException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    var tls = Find<AuthenticationException>(ex);
                    refused |= tls is not null || ex is MQTTnet.Adapter.MqttConnectingFailedException;
                    failures.Add($"{where}: {(tls is not null ? $"TLS failed: {tls.Message}" : Innermost(ex).Message)}");
                    _context.Log.LogDebug(ex, "{Name}: cannot connect to {Where}", _name, where);
                }
            }
        }
        var all = string.Join("; ", failures);
        throw refused
            ? new IOException($"{_name}: no DXL broker accepted the connection: {all} (see BrokerCertChain, CertFile and PrivateKey in dxl_config_file)")
            : new TransientException($"{_name}: no DXL broker can be reached: {all}");
    }

    MqttClientOptions Options(string host, int port) => new MqttClientOptionsBuilder()
        .WithTcpServer(host, port)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
        .WithClientId(_clientId)
        .WithCleanSession(false)
        .WithKeepAlivePeriod(KeepAlive)
        .WithTimeout(ConnectTimeout)
        .WithTlsOptions(tls => tls
            .UseTls()
            .WithTargetHost(host)
            .WithClientCertificates([_certificate])
            .WithCertificateValidationHandler(e => Trusted(e.Certificate, e.Chain)))
        .Build();

    // Chains to BrokerCertChain; the name is not checked (as the OpenDXL client's tls_insecure_set): broker certificates name broker ids.
    bool Trusted(X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T found) return found;
        return null;
    }

    static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner) ex = inner;
        return ex;
    }
}
