using System.Text;
using Confluent.Kafka;
using IntelMQ.Cli;
using IntelMQ.Core;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Kafka collector against the broker named by INTELMQ_TEST_KAFKA (skipped without one), as the Kafka channel tests are.</summary>
public sealed class KafkaCollectorTests : IDisposable
{
    const string NoBroker =
        "No Kafka broker can be installed on this machine. To run this test, start one elsewhere (docker run -p 9092:9092 apache/kafka) "
        + "and set INTELMQ_TEST_KAFKA=HOST:PORT (see docs/channels/kafka-pulsar.md#running-the-tests).";

    static readonly string? Broker = Environment.GetEnvironmentVariable("INTELMQ_TEST_KAFKA");

    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public void An_IntelMQ_configuration_without_topic_is_refused()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.kafka.collector");
        var error = Assert.Throws<ConfigurationException>(() => program.Create(OptionBinder.Bind(program, new Dictionary<string, object?> { ["bootstrap_servers"] = "kafka:9092" }), ProgramContext.Default));
        Assert.Contains("option 'topic' is missing", error.Message);
    }

    [Fact]
    public async Task Every_message_is_handed_on_once_and_a_second_run_reads_only_what_came_since()
    {
        Assert.SkipWhen(string.IsNullOrEmpty(Broker), NoBroker);
        var ct = TestContext.Current.CancellationToken;
        var topic = $"partner-{Guid.NewGuid():N}";
        async Task ProduceAsync(params string[] values)
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = Broker, AllowAutoCreateTopics = true }).Build();
            foreach (var value in values) await producer.ProduceAsync(topic, new Message<Null, string> { Value = value }, ct);
        }
        string[] Run(string output)
        {
            var run = _intelmq.Run("", "run", "intelmq.bots.collectors.kafka.collector", "--set", $"bootstrap_servers={Broker}", "--set", $"topic={topic}",
                "--set", "name=Partner", "--output", $"file:{_intelmq.PathOf(output)}");
            Assert.True(run.ExitCode == 0, run.Stderr);
            return File.Exists(_intelmq.PathOf(output)) ? [.. File.ReadAllLines(_intelmq.PathOf(output)).Select(l => (string)EventJson.Read(Encoding.UTF8.GetBytes(l)).Single()[Event.OriginalField]!)] : [];
        }

        await ProduceAsync("first", "second");
        var firstRun = Run("first.jsonl");
        await ProduceAsync("third");
        var secondRun = Run("second.jsonl");

        Assert.Equal(["first", "second"], firstRun);
        Assert.Equal(["third"], secondRun);
    }
}
