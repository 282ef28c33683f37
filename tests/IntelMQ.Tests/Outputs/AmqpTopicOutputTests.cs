using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Amqp;
using IntelMQ.Tests.Channels;
using RabbitMQ.Client;

namespace IntelMQ.Tests.Outputs;

public sealed class AmqpTopicOutputTests(RabbitMQServer server) : IClassFixture<RabbitMQServer>
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    RabbitMQServer Server()
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        return server;
    }

    static async Task<WriteResult[]> Write(AmqpTopicOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i, string type)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("classification.type")!, type);
        return ev;
    }

    /// <summary>Declares an exchange and a queue bound to it with <paramref name="binding"/>.</summary>
    async Task<string> BoundQueueAsync(string exchange, string binding)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Server().Port, AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync(Cancel);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Cancel);
        await channel.ExchangeDeclareAsync(exchange, "topic", durable: true, cancellationToken: Cancel);
        var queue = (await channel.QueueDeclareAsync("q-" + Guid.NewGuid().ToString("N"), durable: true, exclusive: false, autoDelete: false, cancellationToken: Cancel)).QueueName;
        await channel.QueueBindAsync(queue, exchange, binding, cancellationToken: Cancel);
        return queue;
    }

    async Task<List<(string Body, IReadOnlyBasicProperties Properties)>> DrainAsync(string queue)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Server().Port, AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync(Cancel);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Cancel);
        var messages = new List<(string, IReadOnlyBasicProperties)>();
        while (await channel.BasicGetAsync(queue, autoAck: true, Cancel) is { } got) messages.Add((Encoding.UTF8.GetString(got.Body.Span), got.BasicProperties));
        return messages;
    }

    AmqpTopicOutput Output(AmqpTopicOutputOptions options) => new(options with { ConnectionPort = Server().Port });

    [Fact]
    public async Task Events_are_confirmed_by_the_broker_and_routed_by_a_key_formatted_from_their_fields()
    {
        var exchange = "intelmq-" + Guid.NewGuid().ToString("N");
        var scanners = await BoundQueueAsync(exchange, "events.scanner");
        await using var output = Output(new() { ExchangeName = exchange, RoutingKey = "events.{ev[classification.type]}", FormatRoutingKey = true });

        var results = await Write(output, [NewEvent(0, "scanner"), NewEvent(1, "scanner")]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var messages = await DrainAsync(scanners);
        Assert.Equal(2, messages.Count);
        var first = JsonNode.Parse(messages[0].Body)!.AsObject();
        Assert.Equal("192.0.2.1", (string?)first["source.ip"]);
        Assert.False(first.ContainsKey("__type"));
        Assert.Equal("application/json", messages[0].Properties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, messages[0].Properties.DeliveryMode);
    }

    [Fact]
    public async Task An_event_no_queue_takes_is_refused_with_its_routing_key_and_the_others_written()
    {
        var exchange = "intelmq-" + Guid.NewGuid().ToString("N");
        var scanners = await BoundQueueAsync(exchange, "events.scanner");
        await using var output = Output(new() { ExchangeName = exchange, RoutingKey = "events.{ev[classification.type]}", FormatRoutingKey = true });

        var results = await Write(output, [NewEvent(0, "scanner"), NewEvent(1, "phishing"), NewEvent(2, "scanner")]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused, WriteStatus.Written], results.Select(r => r.Status));
        Assert.Contains("'events.phishing'", results[1].Reason);
        Assert.Equal(2, (await DrainAsync(scanners)).Count);
    }

    [Fact]
    public async Task Single_key_with_type_and_hierarchical_options_shape_the_message()
    {
        var exchange = "intelmq-" + Guid.NewGuid().ToString("N");
        var queue = await BoundQueueAsync(exchange, "#");
        await using (var single = Output(new() { ExchangeName = exchange, RoutingKey = "k", SingleKey = "source.ip" }))
            await Write(single, [NewEvent(0, "scanner")]);
        await using (var nested = Output(new() { ExchangeName = exchange, RoutingKey = "k", MessageWithType = true, MessageHierarchicalOutput = true }))
            await Write(nested, [NewEvent(1, "scanner")]);

        var messages = await DrainAsync(queue);
        Assert.Equal("192.0.2.1", messages[0].Body);
        var second = JsonNode.Parse(messages[1].Body)!;
        Assert.Equal("Event", (string?)second["__type"]);
        Assert.Equal("192.0.2.2", (string?)second["source"]!["ip"]);
    }

    [Fact]
    public async Task A_broker_that_is_down_is_transient_and_fails_the_health_check()
    {
        await using var output = new AmqpTopicOutput(new() { ConnectionPort = RedisServer.FreePort(), RoutingKey = "k", ConnectionAttempts = 1 });

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0, "scanner")]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Cancel).AsTask());
    }

    [Fact]
    public async Task A_dropped_connection_is_transient_and_the_next_batch_reconnects()
    {
        var exchange = "intelmq-" + Guid.NewGuid().ToString("N");
        var queue = await BoundQueueAsync(exchange, "#");
        await using var output = Output(new() { ExchangeName = exchange, RoutingKey = "k" });
        await Write(output, [NewEvent(0, "scanner")]);

        await Server().ControlAsync("close_all_connections", "test");
        await Eventually.WaitForAsync("a batch written after the broker closed the connection", async () =>
        {
            try
            {
                return (await Write(output, [NewEvent(1, "scanner")])).All(r => r.Status == WriteStatus.Written);
            }
            catch (TransientException)
            {
                return false;
            }
        }, Cancel);

        Assert.True((await DrainAsync(queue)).Count >= 2);
    }
}
