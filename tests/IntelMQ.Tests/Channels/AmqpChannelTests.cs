using System.Text;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>The amqp: transport against a private rabbitmq-server: the conformance suite, crashes, backpressure, errors.</summary>
public sealed class AmqpChannelTests(RabbitMQServer server, ITestOutputHelper output) : ChannelConformanceTests, IClassFixture<RabbitMQServer>
{
    protected override string Address(string name)
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        return $"amqp://guest:guest@127.0.0.1:{server.Port}/?queue={name}-{Guid.NewGuid():N}";
    }

    static string QueueOf(string address) => ChannelAddress.Parse(address).Get("queue")!;

    static ReadOnlyMemory<byte> Raw(int n) => Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    static int Number(Delivery d) => int.Parse(Encoding.UTF8.GetString(d.Body.Span), System.Globalization.CultureInfo.InvariantCulture);

    static List<ReadOnlyMemory<byte>> Raws(int from, int count) => [.. Enumerable.Range(from, count).Select(Raw)];



    [Fact]
    public async Task Full_queue_makes_the_output_wait_until_its_consumer_catches_up()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("full") + "&max_length=100";
        var log = new StringWriter();
        await using var sender = Catalog.OpenOutput(address, Context with { Log = TextWriter.Synchronized(log) });
        var send = sender.SendAsync(Raws(0, 500), ct).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.ReadyAsync(QueueOf(address)) < 100 && DateTime.UtcNow < deadline) await Task.Delay(100, ct);
        await Task.Delay(500, ct);
        Assert.False(send.IsCompleted, "the send returned although the queue is full and nothing consumes it");
        Assert.Equal(100u, await server.ReadyAsync(QueueOf(address)));

        var seen = new List<int>();
        await using (var input = Catalog.OpenInput(address, Context))
        {
            while (seen.Count < 500 && await input.ReceiveAsync(50, Wait, ct) is { Count: > 0 } batch)
            {
                seen.AddRange(batch.Select(Number));
                await input.AckAsync(batch, ct);
            }
        }
        await send.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(Enumerable.Range(0, 500), seen.Order());
        var waits = log.ToString().Split('\n').Count(l => l.Contains("queue is full", StringComparison.Ordinal));
        Assert.Equal(1, waits);
        Assert.DoesNotContain("guest:guest", log.ToString());
    }

    [Fact]
    public void A_one_shot_run_with_the_broker_down_exits_4_without_printing_the_password()
    {
        using var intelmq = new IntelMQCommand();
        var run = intelmq.Run("", "run", "taxonomy-expert", "--input", $"amqp://guest:s3cret@127.0.0.1:{RedisServer.FreePort()}/?queue=in");
        Assert.Equal(4, run.ExitCode);
        Assert.Contains("cannot connect", run.Stderr);
        Assert.DoesNotContain("s3cret", run.Stderr);
    }

    [Fact]
    public async Task Wrong_password_fails_with_a_message_without_the_password()
    {
        var ct = TestContext.Current.CancellationToken;
        const string secret = "n0t-the-Passw0rd";
        var address = Address("auth").Replace("guest:guest@", $"guest:{secret}@", StringComparison.Ordinal);
        await using (var sender = Catalog.OpenOutput(address, Context))
        {
            var error = await Assert.ThrowsAsync<ConfigurationException>(() => sender.SendAsync([Raw(1)], ct).AsTask());
            output.WriteLine(error.Message);
            Assert.Contains("guest", error.Message);
            Assert.Contains("password", error.Message);
            Assert.DoesNotContain(secret, error.ToString());
            Assert.DoesNotContain(secret, sender.Name);
        }

        var variable = $"INTELMQ_TEST_AMQP_PASSWORD_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            var fromEnvironment = $"amqp://guest@127.0.0.1:{server.Port}/?queue={QueueOf(address)}&password_env={variable}";
            await using var input = Catalog.OpenInput(fromEnvironment, Context);
            var error = await Assert.ThrowsAsync<ConfigurationException>(() => input.ReceiveAsync(1, Wait, ct).AsTask());
            Assert.DoesNotContain(secret, error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Connections_closed_by_the_broker_are_reopened_on_the_next_call()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("reconnect");
        var log = new StringWriter();
        var context = Context with { Log = TextWriter.Synchronized(log) };
        await using var sender = Catalog.OpenOutput(address, context);
        await using var input = Catalog.OpenInput(address, context);
        await sender.SendAsync(Raws(0, 10), ct);
        var first = await input.ReceiveAsync(10, Wait, ct);
        Assert.Equal(10, first!.Count);

        await server.ControlAsync("close_all_connections", "closed by the test");
        await input.AckAsync(first, ct); // too late: the broker has put them back

        var again = new List<Delivery>();
        while (again.Count < 10 && await input.ReceiveAsync(10, Wait, ct) is { Count: > 0 } batch)
        {
            again.AddRange(batch);
            await input.AckAsync(batch, ct);
        }
        Assert.Equal(Enumerable.Range(0, 10), again.Select(Number).Order());
        Assert.All(again, d => Assert.Contains("redelivered", d.Position));

        await sender.SendAsync(Raws(10, 5), ct);
        var rest = await input.ReceiveAsync(10, Wait, ct);
        Assert.NotNull(rest);
        Assert.Equal(Enumerable.Range(10, 5), rest.Select(Number).Order());
        await input.AckAsync(rest, ct);
        output.WriteLine(log.ToString());
        Assert.Contains("reconnecting", log.ToString());
    }

    [Fact]
    public async Task Queue_options_that_contradict_the_broker_fail_with_advice()
    {
        var ct = TestContext.Current.CancellationToken;
        var missing = Address("missing") + "&declare=false";
        await using (var input = Catalog.OpenInput(missing, Context))
        {
            var error = await Assert.ThrowsAsync<ConfigurationException>(() => input.ReceiveAsync(1, Wait, ct).AsTask());
            Assert.Contains("does not exist", error.Message);
        }

        var address = Address("arguments");
        await using (var plain = Catalog.OpenOutput(address, Context)) await plain.SendAsync([Raw(1)], ct);
        await using var limited = Catalog.OpenOutput(address + "&max_length=10", Context);
        var mismatch = await Assert.ThrowsAsync<ConfigurationException>(() => limited.SendAsync([Raw(2)], ct).AsTask());
        output.WriteLine(mismatch.Message);
        Assert.Contains("max_length", mismatch.Message);
    }

    [Fact]
    public void Unknown_options_are_refused_with_the_list_of_known_ones()
    {
        var error = Assert.Throws<ConfigurationException>(() => Catalog.OpenInput("amqp://localhost/?queue=q&prefech=10", Context));
        Assert.Contains("prefech", error.Message);
        Assert.Contains("prefetch", error.Message);
    }

    [Fact]
    public async Task The_queue_depth_and_its_limit_are_visible()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("depth") + "&max_length=50";
        await SendAsync(address, 0, 5, ct);
        await using var queue = Catalog.OpenOutput(address, Context);
        var (depth, limit) = await ((IntelMQ.Runtime.Channels.IQueueDepth)queue).DepthAsync(ct);
        Assert.Equal(5, depth);
        Assert.Equal(50, limit);
    }
}
