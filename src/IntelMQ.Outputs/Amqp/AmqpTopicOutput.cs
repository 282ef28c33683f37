using System.Net.Security;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace IntelMQ.Outputs.Amqp;

/// <summary>Publishes events to an AMQP exchange (RabbitMQ), acknowledged once the broker confirms them.</summary>
[Program("amqptopic-output", ProgramKind.Output, "Publishes events to an AMQP (RabbitMQ) exchange with a routing key from their fields; delivered once the broker confirms.",
    Modules = ["intelmq.bots.outputs.amqptopic.output"],
    Options = typeof(AmqpTopicOutputOptions),
    Description = """
        Publishes every event as IntelMQ's JSON (without __type unless message_with_type, raw only with keep_raw_field,
        nested with message_hierarchical_output), or only its single_key field, to exchange_name with routing_key;
        with format_routing_key the key is filled from the event ({ev[classification.type]}). The exchange is declared
        with exchange_type and exchange_durable when named. With require_confirmation (the default) the batch is
        published at once, mandatory, with publisher confirms: an event counts as delivered only when the broker
        confirmed it; a message no queue is bound for is returned and the event refused with the routing key; a nack
        retries the event. Without it, a batch counts as delivered once written to the connection. A broker that is
        down or a lost connection retries the batch.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run amqptopic-output --set exchange_name=intelmq --set 'routing_key={ev[classification.taxonomy]}.{ev[classification.type]}' --set format_routing_key=true < events.jsonl",
    ])]
public sealed partial class AmqpTopicOutput : IOutput, IHealthCheck, IAsyncDisposable, IDisposable
{
    const string Program = "amqptopic-output";

    readonly AmqpTopicOutputOptions _options;
    readonly string? _singleKey;
    IConnection? _connection;
    IChannel? _channel;

    public AmqpTopicOutput(AmqpTopicOutputOptions options)
    {
        if (options.RoutingKey.Length == 0 && options.ExchangeName.Length == 0)
            throw new ConfigurationException($"{Program}: option 'routing_key' is not set; give the routing key (a queue's name for the default exchange), e.g. --set routing_key=intelmq.events.");
        if (!options.ContentType.Equals("application/json", StringComparison.OrdinalIgnoreCase) && options.SingleKey.Length == 0)
            throw new ConfigurationException($"{Program}: option 'content_type' is '{options.ContentType}'; events are written as JSON: use application/json.");
        if (options.SingleKey.Length > 0)
            _singleKey = IntelMQFields.Path(options.SingleKey) ?? throw new ConfigurationException($"{Program}: option 'single_key': '{options.SingleKey}' is neither an IntelMQ nor an IDF field name.");
        _options = options;
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var channel = await ChannelAsync(cancellationToken);
        var properties = new BasicProperties { ContentType = _options.ContentType, DeliveryMode = (DeliveryModes)_options.DeliveryMode };
        var confirms = new Task?[events.Count];
        var keys = new string[events.Count];
        Exception? failure = null;
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                byte[] body;
                if (_singleKey is null) body = IntelMQFields.Message(events[i], _options.MessageHierarchicalOutput, _options.MessageWithType, _options.KeepRawField);
                else if (IntelMQFields.Text(events[i], _singleKey) is { } value) body = Encoding.UTF8.GetBytes(value);
                else
                {
                    results[i] = WriteResult.Refused($"{Program}: the event has no field '{_options.SingleKey}' (single_key)");
                    continue;
                }
                keys[i] = _options.FormatRoutingKey ? RoutingKey(events[i]) : _options.RoutingKey;
                confirms[i] = channel.BasicPublishAsync(_options.ExchangeName, keys[i], _options.RequireConfirmation, properties, body, cancellationToken).AsTask();
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failure = ex; // the connection failed while publishing: the events not yet published are retried
        }
        try
        {
            await Task.WhenAll(confirms.OfType<Task>());
            if (failure is null) return;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // looked at per event below
        }
        for (var i = 0; i < confirms.Length; i++)
        {
            switch (confirms[i]?.Exception?.InnerException)
            {
                case null when confirms[i] is null && results[i].Status == WriteStatus.Written:
                    results[i] = WriteResult.Retry($"{Program}: not published: the connection failed first");
                    break;
                case null:
                    break;
                case PublishException { IsReturn: true }:
                    results[i] = WriteResult.Refused($"{Program}: the broker routes routing key '{keys[i]}' of exchange '{_options.ExchangeName}' to no queue; bind a queue for it");
                    break;
                case PublishException:
                    results[i] = WriteResult.Retry($"{Program}: the broker refused the message (nack)");
                    break;
                case var error:
                    failure ??= error;
                    results[i] = WriteResult.Retry($"{Program}: {error.Message}");
                    break;
            }
        }
        if (failure is not null && !channel.IsOpen) await ResetAsync();
        if (failure is not null && results.All(r => r.Status == WriteStatus.Retry))
            throw new TransientException($"{Program}: publishing to {_options.ConnectionHost}:{_options.ConnectionPort} failed: {failure.Message}", failure);
    }

    /// <summary>IntelMQ's format of the routing key: each {ev[field]} replaced by the event's value, None when absent.</summary>
    string RoutingKey(Event ev) => PythonField().Replace(_options.RoutingKey, m =>
        IntelMQFields.Path(m.Groups[1].Value) is { } path && IntelMQFields.Text(ev, path) is { } value ? value : "None");

    [GeneratedRegex(@"\{ev\[([^\]\}]+)\]\}")]
    private static partial Regex PythonField();

    async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true }) return _channel;
        await ResetAsync();
        var factory = new ConnectionFactory
        {
            HostName = _options.ConnectionHost,
            Port = _options.ConnectionPort,
            VirtualHost = _options.ConnectionVhost,
            UserName = _options.Username,
            Password = _options.Password.Reveal(),
            RequestedHeartbeat = TimeSpan.FromSeconds(_options.ConnectionHeartbeat),
            AutomaticRecoveryEnabled = false,
            ClientProvidedName = "intelmq amqptopic-output",
            Ssl = new SslOption { Enabled = _options.UseSsl, ServerName = _options.ConnectionHost, AcceptablePolicyErrors = SslPolicyErrors.None },
        };
        Exception? last = null;
        for (var attempt = 0; attempt < _options.ConnectionAttempts; attempt++)
        {
            IConnection? connection = null;
            try
            {
                connection = await factory.CreateConnectionAsync(cancellationToken);
                // Tracking makes each publish complete with its confirm, or throw on a nack or a return.
                var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: _options.RequireConfirmation,
                    publisherConfirmationTrackingEnabled: _options.RequireConfirmation, outstandingPublisherConfirmationsRateLimiter: null), cancellationToken);
                if (_options.ExchangeName.Length > 0)
                    await channel.ExchangeDeclareAsync(_options.ExchangeName, _options.ExchangeType, _options.ExchangeDurable, autoDelete: false, cancellationToken: cancellationToken);
                (_connection, _channel) = (connection, channel);
                return channel;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                last = ex;
                if (connection is not null) await CloseAsync(connection);
            }
        }
        throw new TransientException($"{Program}: cannot publish to {_options.ConnectionHost}:{_options.ConnectionPort}{_options.ConnectionVhost}: {(last as OperationInterruptedException)?.ShutdownReason?.ReplyText ?? last?.Message}", last);
    }

    /// <summary>Connects, opens a channel and declares the exchange; throws with the broker's reason.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ChannelAsync(cancellationToken);
        }
        catch (TransientException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    async Task ResetAsync()
    {
        var connection = _connection;
        (_connection, _channel) = (null, null);
        if (connection is not null) await CloseAsync(connection);
    }

    static async Task CloseAsync(IConnection connection)
    {
        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is AlreadyClosedException or IOException or OperationInterruptedException or TimeoutException)
        {
        }
        connection.Dispose();
    }

    public async ValueTask DisposeAsync() => await ResetAsync();

    public void Dispose() => ResetAsync().GetAwaiter().GetResult();
}
