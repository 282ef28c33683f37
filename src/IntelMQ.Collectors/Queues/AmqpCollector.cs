using System.Net.Security;
using System.Runtime.CompilerServices;
using IntelMQ.Contract;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace IntelMQ.Collectors.Queues;

/// <summary>
/// Takes the messages of an AMQP queue other systems fill, one report each, and acknowledges a message only once its
/// report is handed on: until then the broker keeps it, and gives it out again when the collector's connection ends.
/// </summary>
[Program("amqp-collector", ProgramKind.Collector, "Takes the messages of an AMQP (RabbitMQ) queue as reports, acknowledging each once it is handed on.",
    Modules = ["intelmq.bots.collectors.amqp.collector_amqp"],
    Options = typeof(AmqpCollectorOptions),
    Description = """
        Each run connects to connection_host, takes the messages waiting in queue_name one at a time (basic.get
        with manual acknowledgement) and ends when the queue is empty; a daemon runs again after rate_limit seconds,
        so give it a small one (e.g. 5). A message is acknowledged only once its report is handed on (confirmed by
        every output): a crash, a stop or a failed hand-off leaves it with the broker, which gives it out again (at
        least once, never lost; IntelMQ acknowledges after sending too). A message's body is the report's body as it
        is (any format: a parser reads it); with expect_intelmq_message it is an IntelMQ report whose raw becomes the
        body and whose fields (feed.*, extra.file_name, ...) the report keeps. A message that is not such a report,
        that is larger than max_report_size or is not UTF-8 goes to the dump and is then acknowledged. A server that
        cannot be reached is retried with backoff; a refused login stops the program. feed.* come from name, provider,
        accuracy, code and documentation (docs/collectors.md).
        """,
    Examples = [
        "intelmq run amqp-collector --daemon --set connection_host=rabbitmq.example.org --set username=intelmq --set password=SECRET --set queue_name=partner-feed --set rate_limit=5 --set name='Partner feed' --output 'redis://localhost:6379/2?queue=partner-parser-queue'",
    ])]
public sealed class AmqpCollector : ICollector
{
    readonly AmqpCollectorOptions _options;
    readonly string _name;
    readonly string _at;
    readonly ConnectionFactory _factory;

    /// <exception cref="ConfigurationException">No queue_name, or an ssl_ca_certificate that holds no certificate.</exception>
    public AmqpCollector(AmqpCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "amqp-collector";
        if (options.QueueName is not { Length: > 0 })
            throw new ConfigurationException($"{_name}: option 'queue_name' is missing: the queue to take messages from, e.g. --set queue_name=partner-feed");
        _options = options;
        _at = $"amqp{(options.UseSsl ? "s" : "")}://{options.ConnectionHost}:{options.ConnectionPort}/{options.ConnectionVhost.TrimStart('/')} queue {options.QueueName}";
        _factory = new ConnectionFactory
        {
            HostName = options.ConnectionHost,
            Port = options.ConnectionPort,
            VirtualHost = options.ConnectionVhost,
            UserName = options.Username ?? ConnectionFactory.DefaultUser,
            Password = options.Password?.Reveal() ?? ConnectionFactory.DefaultPass,
            RequestedHeartbeat = TimeSpan.FromSeconds(options.ConnectionHeartbeat),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            // A connection lives for one run: recovery would renumber the delivery tags still to be acknowledged.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = $"intelmq {_name}",
        };
        if (options.UseSsl)
        {
            RemoteCertificateValidationCallback? check = options.SslCaCertificate is { Length: > 0 } ca
                ? CertificateTrust.Callback(ca, "ssl_ca_certificate", _name)
                : null;
            _factory.Ssl = new SslOption { Enabled = true, ServerName = options.ConnectionHost, CertificateValidationCallback = check };
        }
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        try
        {
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await CheckQueueAsync(channel, cancellationToken);
            ulong? unsettled = null;
            for (var number = 1L; ; number++)
            {
                BasicGetResult? message;
                try
                {
                    // The host moves on only once the last report is dealt with: one it dumped (too large, not UTF-8) is settled here.
                    if (unsettled is { } dumped) await channel.BasicAckAsync(dumped, multiple: false, cancellationToken);
                    unsettled = null;
                    message = await channel.BasicGetAsync(_options.QueueName!, autoAck: false, cancellationToken);
                }
                catch (Exception ex) when (ex is AlreadyClosedException or IOException or OperationInterruptedException)
                {
                    throw new TransientException($"{_at}: the connection broke ({ex.Message}); the messages not acknowledged stay in the queue.", ex);
                }
                if (message is null) yield break;
                var tag = message.DeliveryTag;
                unsettled = tag;
                yield return QueueMessage.Report(message.Body.ToArray(), _options.ExpectIntelmqMessage,
                    $"{_at} message {number}{(message.Redelivered ? " (redelivered)" : "")}",
                    async token =>
                    {
                        unsettled = null;
                        await channel.BasicAckAsync(tag, multiple: false, token);
                    });
            }
        }
        finally
        {
            // What was not acknowledged goes back to the queue with the connection.
            try
            {
                if (connection.IsOpen) await connection.CloseAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is AlreadyClosedException or IOException or OperationInterruptedException or TimeoutException or OperationCanceledException)
            {
                // broken already: the broker requeues either way
            }
            await connection.DisposeAsync();
        }
    }

    async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _factory.CreateConnectionAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or System.Net.Sockets.SocketException)
            {
                if (Refused(ex) is { } refused) throw refused;
                if (attempt >= _options.ConnectionAttempts)
                    throw new TransientException($"{_at}: cannot connect after {attempt} attempt(s) ({Root(ex).Message}).", ex);
            }
        }
    }

    ConfigurationException? Refused(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationFailureException)
                return new ConfigurationException($"{_name}: {_at} refused the login of user '{_factory.UserName}' ({e.Message}); check username and password.");
            if (e is OperationInterruptedException { ShutdownReason.ReplyCode: 530 } vhost)
                return new ConfigurationException($"{_name}: {_at} refused access to vhost '{_options.ConnectionVhost}' for user '{_factory.UserName}' ({vhost.ShutdownReason.ReplyText}).");
            if (e is AggregateException all)
                foreach (var inner in all.InnerExceptions)
                    if (Refused(inner) is { } refused) return refused;
        }
        return null;
    }

    async Task CheckQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            await channel.QueueDeclarePassiveAsync(_options.QueueName!, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is 404 or 403)
        {
            throw new InvalidOperationException($"{_at}: {(ex.ShutdownReason.ReplyCode == 404 ? "the queue does not exist" : "access refused")} ({ex.ShutdownReason.ReplyText}); it is tried again at the next run.", ex);
        }
    }

    static Exception Root(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }
}
