using System.Text;
using Confluent.Kafka;
using IntelMQ.Channels;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>
/// <c>kafka://</c>: the conformance suite and SIGKILLs against the broker named by INTELMQ_TEST_KAFKA (skipped without
/// one); without a broker, the options, the client configurations they make, and failures against nothing listening.
/// </summary>
public sealed class KafkaChannelTests : ChannelConformanceTests
{
    const string NoBroker =
        "No Kafka broker can be installed on this machine (not in the package sources, no container engine). To run these tests, "
        + "start one elsewhere (docker run -p 9092:9092 apache/kafka) and set INTELMQ_TEST_KAFKA=HOST:PORT, "
        + "e.g. INTELMQ_TEST_KAFKA=localhost:9092 dotnet test -- --filter-class \"*Kafka*\" (see docs/channels/kafka-pulsar.md#running-the-tests).";

    static readonly string? Broker = Environment.GetEnvironmentVariable("INTELMQ_TEST_KAFKA");

    // Four partitions, so that the competing consumers of a group each get some.
    protected override string Address(string name)
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Broker), NoBroker);
        return $"kafka://{Broker}?topic={name}-{Guid.NewGuid():N}&partitions=4";
    }

    // A consumer's first receive includes joining its group, which brokers delay by 3 s by default (group.initial.rebalance.delay.ms).
    protected override TimeSpan Wait => TimeSpan.FromSeconds(10);



    [Fact]
    public async Task Each_consumer_group_gets_every_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("groups");
        await SendAsync(address, 0, 100, ct);
        Assert.Equal(100, (await DrainAsync(address + "&group=first", ct, 100)).Distinct().Count());
        Assert.Equal(100, (await DrainAsync(address + "&group=second", ct, 100)).Distinct().Count());
    }

    // ---- options, without a broker ----

    static KafkaSettings Settings(string uri) => KafkaSettings.Parse(ChannelAddress.Parse(uri));

    [Fact]
    public void An_address_without_topic_is_refused_with_an_example()
    {
        var error = Assert.Throws<ConfigurationException>(() => Catalog.OpenInput("kafka://localhost:9092?group=g", Context));
        Assert.Contains("'topic' is missing", error.Message);
        Assert.Contains("e.g. kafka://", error.Message);
    }

    [Fact]
    public void Unknown_options_are_refused_with_the_list_of_known_ones()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings("kafka://localhost?topic=t&goup=g"));
        Assert.Contains("unknown option 'goup'", error.Message);
        Assert.Contains("group", error.Message);
    }

    [Fact]
    public void A_topic_name_Kafka_would_refuse_is_refused_at_once()
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings("kafka://localhost?topic=a%2Fb"));
        Assert.Contains("not a Kafka topic name", error.Message);
    }

    [Fact]
    public void A_broker_list_is_taken_with_the_default_port_where_none_is_given()
    {
        Assert.Equal("kafka1:9092,kafka2:9093,[::1]:9094,[fe80::1]:9092", Settings("kafka://kafka1,kafka2:9093,[::1]:9094,[fe80::1]/?topic=t").Brokers);
        var error = Assert.Throws<ConfigurationException>(() => Settings("kafka://kafka1:90x2?topic=t"));
        Assert.Contains("no valid port", error.Message);
    }

    [Fact]
    public void A_consumer_commits_only_what_is_acknowledged_and_starts_at_the_earliest_offset()
    {
        var config = Settings("kafka://kafka1:9092,kafka2:9092?topic=t").ConsumerConfig(Context with { WorkerId = 3 });
        Assert.Equal("kafka1:9092,kafka2:9092", config.BootstrapServers);
        Assert.Equal("conformance", config.GroupId); // the program's id: its workers share the partitions
        Assert.Equal("intelmq-conformance-3", config.ClientId);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal(AutoOffsetReset.Earliest, config.AutoOffsetReset);
        Assert.Equal(10_000, config.SessionTimeoutMs);
        Assert.Equal(SecurityProtocol.Plaintext, config.SecurityProtocol);
        Assert.Equal("enrichment", Settings("kafka://k?topic=t&group=enrichment").ConsumerConfig(Context).GroupId);
    }

    [Fact]
    public void A_producer_is_idempotent_and_waits_for_all_in_sync_replicas()
    {
        var config = Settings("kafka://k?topic=t&compression=zstd").ProducerConfig(Context);
        Assert.True(config.EnableIdempotence);
        Assert.Equal(Acks.All, config.Acks);
        Assert.Equal(60_000, config.MessageTimeoutMs);
        Assert.Equal(CompressionType.Zstd, config.CompressionType);
        Assert.Equal(IntelMQ.Core.MessageFormat.Idf, Settings("kafka://k?topic=t").Format);
    }

    [Fact]
    public void A_user_means_SASL_over_TLS_with_the_password_from_the_environment()
    {
        var variable = $"INTELMQ_TEST_KAFKA_PASSWORD_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            var settings = Settings($"kafka://intelmq@kafka1:9093,kafka2:9093?topic=t&sasl_mechanism=scram-sha-512&password_env={variable}");
            var config = settings.ProducerConfig(Context);
            Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
            Assert.Equal(SaslMechanism.ScramSha512, config.SaslMechanism);
            Assert.Equal("intelmq", config.SaslUsername);
            Assert.Equal("s3cret", config.SaslPassword);
            Assert.DoesNotContain("s3cret", settings.Name);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_password_in_the_address_is_in_no_name_and_no_message()
    {
        var settings = Settings("kafka://alice:s3cret@kafka1:9092,kafka2:9092?topic=t&security_protocol=sasl_plaintext");
        Assert.Equal("kafka://alice:***@kafka1:9092,kafka2:9092?topic=t&security_protocol=sasl_plaintext", settings.Name);
        Assert.Equal("s3cret", settings.ConsumerConfig(Context).SaslPassword);
        var error = Assert.Throws<ConfigurationException>(() => Settings("kafka://alice:s3cret@kafka1:9092,kafka2:9092?topic=t&security_protocol=sasl_plaintext&compression=brotli"));
        Assert.Contains("compression=brotli", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void A_missing_password_variable_is_named_with_the_whole_address()
    {
        var variable = $"INTELMQ_TEST_UNSET_{Guid.NewGuid():N}";
        var error = Assert.Throws<ConfigurationException>(() => Settings($"kafka://alice@kafka1:9092,kafka2:9092?topic=t&password_env={variable}"));
        Assert.StartsWith("kafka://alice@kafka1:9092,kafka2:9092?", error.Message);
        Assert.Contains($"the environment variable {variable} (password_env) is not set", error.Message);
    }

    [Fact]
    public void SASL_without_a_password_and_certificates_that_do_not_exist_are_refused_at_once()
    {
        var sasl = Assert.Throws<ConfigurationException>(() => Settings("kafka://alice@k:9093?topic=t"));
        Assert.Contains("needs a user and a password", sasl.Message);
        var ca = Assert.Throws<ConfigurationException>(() => Settings("kafka://k:9093?topic=t&ssl_ca=/nonexistent/ca.pem"));
        Assert.Contains("ssl_ca=/nonexistent/ca.pem: no such file", ca.Message);
        var clear = Assert.Throws<ConfigurationException>(() => Settings("kafka://alice:pw@k:9093?topic=t&security_protocol=plaintext"));
        Assert.Contains("need security_protocol=sasl_ssl", clear.Message);
    }

    [Fact]
    public async Task A_send_to_no_broker_fails_after_the_delivery_timeout_and_names_no_password()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new StringWriter();
        await using var channel = Catalog.OpenOutput("kafka://alice:s3cret@127.0.0.1:1?topic=t&security_protocol=sasl_plaintext&delivery_timeout_ms=1000", Context with { Log = log });
        var error = await Assert.ThrowsAsync<IOException>(async () => await channel.SendAsync([Encoding.UTF8.GetBytes("{}")], ct));
        Assert.Contains("Kafka did not confirm 1 of 1 messages", error.Message);
        Assert.Contains("kafka://alice:***@127.0.0.1:1", error.Message);
        Assert.DoesNotContain("s3cret", error.Message + log);
        Assert.Contains("Connect to ipv4#127.0.0.1:1 failed", log.ToString());
    }

    [Fact]
    public async Task A_receive_from_no_broker_comes_back_empty_after_the_wait_and_says_why_in_the_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new StringWriter();
        await using (var input = Catalog.OpenInput("kafka://127.0.0.1:1?topic=t", Context with { Log = log }))
            Assert.Empty((await input.ReceiveAsync(10, TimeSpan.FromMilliseconds(500), ct))!);
        Assert.Contains("kafka://127.0.0.1:1?topic=t (group conformance): Kafka:", log.ToString());
    }
}
