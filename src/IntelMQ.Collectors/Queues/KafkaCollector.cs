using System.Runtime.CompilerServices;
using Confluent.Kafka;
using IntelMQ.Contract;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Queues;

/// <summary>
/// Reads a Kafka topic as a consumer group, one report per message, and commits a message's offset only once its
/// report is handed on: a crash or a failed hand-off makes the group read it again (IntelMQ's collector commits before
/// sending, and loses what a crash interrupts).
/// </summary>
[Program("kafka-collector", ProgramKind.Collector, "Reads a Kafka topic as reports, committing each message's offset once it is handed on.",
    Modules = ["intelmq.bots.collectors.kafka.collector"],
    Options = typeof(KafkaCollectorOptions),
    Description = """
        Each run joins the consumer group group_id on bootstrap_servers, reads topic from the group's committed
        offsets (from the beginning the first time), hands every message on as a report, and ends when it has
        reached the end of every partition assigned to it; a daemon runs again after rate_limit seconds, so give it a
        small one (e.g. 5). A message's offset is committed only once its report is handed on (confirmed by every
        output): a crash, a stop or a failed hand-off leaves it uncommitted and the group reads it again (at least
        once, never lost; IntelMQ's collector commits before sending). With expect_intelmq_message a message is an
        IntelMQ report whose raw becomes the body. A message that is not such a report, larger than
        max_report_size or not UTF-8 goes to the dump and is then committed. TLS is on when a ssl_* file is given.
        feed.* come from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    Examples = [
        "intelmq run kafka-collector --daemon --set bootstrap_servers=kafka1.example.org:9092 --set topic=partner-feed --set rate_limit=5 --set name='Partner feed' --output 'redis://localhost:6379/2?queue=partner-parser-queue'",
    ])]
public sealed class KafkaCollector : ICollector
{
    // How long a run waits for the group to assign it partitions before it ends (and the next run tries again).
    static readonly TimeSpan AssignmentWait = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    readonly KafkaCollectorOptions _options;
    readonly ConsumerConfig _config;
    readonly ProgramContext _context;
    readonly string _name;

    /// <exception cref="ConfigurationException">No topic, or a ssl_* file that does not exist.</exception>
    public KafkaCollector(KafkaCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "kafka-collector";
        if (options.Topic is not { Length: > 0 })
            throw new ConfigurationException($"{_name}: option 'topic' is missing: the Kafka topic to read, e.g. --set topic=partner-feed");
        foreach (var (option, file) in new[] { ("ssl_client_certificate", options.SslClientCertificate), ("ssl_client_certificate_key", options.SslClientCertificateKey), ("ssl_ca_certificate", options.SslCaCertificate) })
            if (file is { Length: > 0 } && !File.Exists(file)) throw new ConfigurationException($"{_name}: {option} '{file}' does not exist.");
        var tls = options.SslClientCertificate is { Length: > 0 } || options.SslCaCertificate is { Length: > 0 };
        _options = options;
        _context = context;
        _config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId is { Length: > 0 } group ? group : $"intelmq-{_name}",
            ClientId = $"intelmq-{_name}",
            // Offsets are committed by hand, one message at a time, once its report is handed on.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            SecurityProtocol = tls ? SecurityProtocol.Ssl : SecurityProtocol.Plaintext,
            SslCaLocation = options.SslCaCertificate,
            SslCertificateLocation = options.SslClientCertificate,
            SslKeyLocation = options.SslClientCertificateKey is { Length: > 0 } key ? key : options.SslClientCertificate,
            SslEndpointIdentificationAlgorithm = options.SslCheckHostname ? SslEndpointIdentificationAlgorithm.Https : SslEndpointIdentificationAlgorithm.None,
        };
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? lastError = null;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(_config)
            .SetErrorHandler((_, error) => lastError = error.Reason)
            .SetLogHandler((_, _) => { })
            .Build();
        var at = $"kafka://{_options.BootstrapServers} topic {_options.Topic}";
        try
        {
            consumer.Subscribe(_options.Topic);
            var atEnd = new HashSet<TopicPartition>();
            var started = TimeProvider.System.GetTimestamp();
            TopicPartitionOffset? unsettled = null;
            while (true)
            {
                // The host moves on once the last report is dealt with: one it dumped (too large, not UTF-8) is settled here.
                if (unsettled is { } dumped) Commit(consumer, dumped, at);
                unsettled = null;
                var result = await ConsumeAsync(consumer, at, cancellationToken);
                if (result is null)
                {
                    var assigned = consumer.Assignment;
                    if (assigned.Count > 0 && assigned.All(atEnd.Contains)) yield break;
                    if (assigned.Count == 0 && TimeProvider.System.GetElapsedTime(started) > AssignmentWait)
                    {
                        if (lastError is not null) throw new TransientException($"{at}: no partition assigned within {AssignmentWait.TotalSeconds} s ({lastError}).");
                        _context.Log.LogInformation("{At}: no partition assigned within {Seconds} s; trying again at the next run", at, AssignmentWait.TotalSeconds);
                        yield break;
                    }
                    continue;
                }
                if (result.IsPartitionEOF)
                {
                    atEnd.Add(result.TopicPartition);
                    continue;
                }
                atEnd.Remove(result.TopicPartition);
                var position = result.TopicPartitionOffset;
                unsettled = position;
                yield return QueueMessage.Report(result.Message.Value ?? [], _options.ExpectIntelmqMessage,
                    $"{at} partition {position.Partition.Value} offset {position.Offset.Value}",
                    _ =>
                    {
                        unsettled = null;
                        Commit(consumer, position, at);
                        return ValueTask.CompletedTask;
                    });
            }
        }
        finally
        {
            try
            {
                consumer.Close(); // leaves the group; nothing uncommitted is committed
            }
            catch (KafkaException)
            {
                // the broker is gone: the group notices by itself
            }
        }
    }

    static async Task<ConsumeResult<Ignore, byte[]>?> ConsumeAsync(IConsumer<Ignore, byte[]> consumer, string at, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(() => consumer.Consume(Poll), cancellationToken);
        }
        catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.UnknownTopicOrPart)
        {
            throw new InvalidOperationException($"{at}: the topic does not exist ({ex.Error.Reason}); it is tried again at the next run.", ex);
        }
        catch (KafkaException ex) when (ex.Error.IsFatal || ex.Error.Code is ErrorCode.SaslAuthenticationFailed or ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed)
        {
            throw new ConfigurationException($"{at}: {ex.Error.Reason}");
        }
        catch (KafkaException ex)
        {
            throw new TransientException($"{at}: {ex.Error.Reason}; what was not handed on is not committed and is read again.", ex);
        }
    }

    static void Commit(IConsumer<Ignore, byte[]> consumer, TopicPartitionOffset handedOn, string at)
    {
        try
        {
            consumer.Commit([new TopicPartitionOffset(handedOn.TopicPartition, handedOn.Offset + 1)]);
        }
        catch (KafkaException ex)
        {
            throw new TransientException($"{at}: cannot commit offset {handedOn.Offset.Value} of partition {handedOn.Partition.Value} ({ex.Error.Reason}); the message is read again.", ex);
        }
    }
}
