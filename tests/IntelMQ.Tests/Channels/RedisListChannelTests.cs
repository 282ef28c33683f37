using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>
/// <c>redis://</c>: the conformance suite, at-least-once through SIGKILLs, and wire compatibility with IntelMQ 3.x
/// bots (DHO messages, <c>NAME-internal</c>), against a private redis-server.
/// </summary>
public sealed class RedisListChannelTests(RedisServer redis, ITestOutputHelper output) : ChannelConformanceTests, IClassFixture<RedisServer>
{
    readonly RedisServer _server = redis.Required();

    string Server => $"redis://127.0.0.1:{redis.Port}/0";

    protected override string Address(string name) => $"{Server}?queue={name}-{Guid.NewGuid():N}";

    protected override TimeSpan Wait => TimeSpan.FromMilliseconds(500);



    /// <summary>The taxonomy fixtures' input messages, serialised as IntelMQ 3.x does (sorted keys, Python's separators) and compactly.</summary>
    static List<(string Body, JsonObject Expected)> TaxonomyMessages()
    {
        var messages = new List<(string, JsonObject)>();
        foreach (var file in Directory.GetFiles(Path.Combine(Paths.Corpus, "intelmq-tests", "experts", "taxonomy"), "*.json").Order(StringComparer.Ordinal))
        {
            var fixture = JsonNode.Parse(File.ReadAllText(file))!;
            var input = (JsonObject)fixture["input"]![0]!;
            var expected = (JsonObject)fixture["expected_events"]![0]!["event"]!;
            messages.Add((PythonJson(input, ", ", ": "), expected));
            messages.Add((PythonJson(input, ",", ":"), expected));
        }
        return messages;
    }

    /// <summary>json.dumps(message, ensure_ascii=False, sort_keys=True, separators=...) for flat messages.</summary>
    static string PythonJson(JsonObject message, string itemSeparator, string keySeparator)
    {
        var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return "{" + string.Join(itemSeparator, message.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Key, options) + keySeparator + p.Value!.ToJsonString(options))) + "}";
    }

    static void AssertIntelMQEvent(JsonObject expected, string body)
    {
        var actual = JsonNode.Parse(body)!.AsObject();
        Assert.All(actual, p => Assert.IsNotType<JsonObject>(p.Value)); // flat, as IntelMQ's DHO
        Assert.Equal("Event", (string?)actual["__type"]);
        static Dictionary<string, string> Comparable(JsonObject o) =>
            o.Where(p => p.Key != "time.observation").ToDictionary(p => p.Key, p => p.Value!.ToJsonString());
        Assert.Equal(Comparable(expected), Comparable(actual));
    }

    [Fact]
    public async Task IntelMQ_messages_go_through_our_expert_as_IntelMQ_messages()
    {
        var queue = $"taxonomy-expert-queue-{Guid.NewGuid():N}";
        var next = $"file-output-queue-{Guid.NewGuid():N}";
        var messages = TaxonomyMessages();
        foreach (var (body, _) in messages) await redis.Client.ListLeftPushAsync(queue, body); // as an IntelMQ bot's pipeline sends

        using var intelmq = new IntelMQCommand();
        var run = intelmq.Run("", "run", "taxonomy-expert", "--input", $"{Server}?queue={queue}", "--output", $"{Server}?queue={next}");
        output.WriteLine(run.Stderr);
        Assert.Equal(0, run.ExitCode);

        var produced = new List<string>();
        while (await redis.Client.ListRightPopAsync(next) is { IsNull: false } body) produced.Add(body!); // as the next IntelMQ bot receives
        Assert.Equal(messages.Count, produced.Count);
        for (var i = 0; i < messages.Count; i++) AssertIntelMQEvent(messages[i].Expected, produced[i]);
        Assert.Equal(0, await redis.Client.ListLengthAsync(queue));
        Assert.Equal(0, await redis.Client.ListLengthAsync(queue + "-internal"));
    }

    [Fact]
    public async Task A_message_left_in_flight_by_a_crashed_IntelMQ_bot_is_processed_first()
    {
        var queue = $"taxonomy-expert-queue-{Guid.NewGuid():N}";
        var next = $"file-output-queue-{Guid.NewGuid():N}";
        var messages = TaxonomyMessages();
        await redis.Client.ListLeftPushAsync(queue + "-internal", messages[0].Body); // BRPOPLPUSH'd, never acknowledged
        await redis.Client.ListLeftPushAsync(queue, messages[2].Body);

        using var intelmq = new IntelMQCommand();
        var run = intelmq.Run("", "run", "taxonomy-expert", "--input", $"{Server}?queue={queue}", "--output", $"{Server}?queue={next}");
        output.WriteLine(run.Stderr);
        Assert.Equal(0, run.ExitCode);

        var first = await redis.Client.ListRightPopAsync(next);
        var second = await redis.Client.ListRightPopAsync(next);
        AssertIntelMQEvent(messages[0].Expected, first!);
        AssertIntelMQEvent(messages[2].Expected, second!);
        Assert.Equal(0, await redis.Client.ListLengthAsync(next));
        Assert.Equal(0, await redis.Client.ListLengthAsync(queue + "-internal"));
    }

    [Fact]
    public async Task A_daemon_started_before_its_server_waits_for_it_then_processes()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        var address = $"redis://127.0.0.1:{port}/0";
        using var intelmq = new IntelMQCommand();
        using var daemon = intelmq.Start("run", "taxonomy-expert", "--daemon", "--input", $"{address}?queue=in", "--output", $"{address}?queue=out");
        try
        {
            await Task.Delay(3000, ct);
            Assert.False(daemon.HasExited, "the daemon gave up while the server was down");
            using var late = RedisServer.StartOn(port);
            var messages = TaxonomyMessages();
            foreach (var (body, _) in messages) await late.Client.ListLeftPushAsync("in", body);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await late.Client.ListLengthAsync("out") < messages.Count && DateTime.UtcNow < deadline) await Task.Delay(100, ct);
            Assert.Equal(messages.Count, await late.Client.ListLengthAsync("out"));
            Signal(daemon.Id, 15);
            await daemon.WaitForExitAsync(ct);
            Assert.Equal(0, daemon.ExitCode);
        }
        finally
        {
            if (!daemon.HasExited) daemon.Kill();
        }
    }

    [Fact]
    public void A_one_shot_run_with_its_server_down_exits_4_and_says_so()
    {
        using var intelmq = new IntelMQCommand();
        var run = intelmq.Run("", "run", "taxonomy-expert", "--input", $"redis://127.0.0.1:{RedisServer.FreePort()}/0?queue=in");
        Assert.Equal(4, run.ExitCode);
        Assert.Contains("cannot connect to Redis", run.Stderr);
        Assert.Contains("--daemon", run.Stderr);
    }

    [Fact]
    public async Task Each_worker_keeps_its_own_in_flight_list()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("workers");
        var queue = ChannelAddress.Parse(address).Get("queue")!;
        await SendAsync(address, 0, 20, ct);
        await using var first = Catalog.OpenInput(address, Context);
        await using var third = Catalog.OpenInput(address, Context with { WorkerId = 2 });
        Assert.Equal(5, (await first.ReceiveAsync(5, Wait, ct))!.Count);
        Assert.Equal(7, (await third.ReceiveAsync(7, Wait, ct))!.Count);
        Assert.Equal(5, await redis.Client.ListLengthAsync(queue + "-internal"));
        Assert.Equal(7, await redis.Client.ListLengthAsync(queue + "-internal-2"));
        Assert.Equal(8, await redis.Client.ListLengthAsync(queue));
    }

    [Fact]
    public async Task Batches_acknowledged_out_of_order_remove_exactly_their_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("order");
        var queue = ChannelAddress.Parse(address).Get("queue")!;
        await SendAsync(address, 0, 20, ct);
        await using (var input = Catalog.OpenInput(address, Context))
        {
            var older = await input.ReceiveAsync(5, Wait, ct);
            var newer = await input.ReceiveAsync(5, Wait, ct);
            var third = await input.ReceiveAsync(5, Wait, ct);
            await input.AckAsync(newer!, ct);
            Assert.Equal(10, await redis.Client.ListLengthAsync(queue + "-internal"));
            await input.AckAsync(older!, ct);
            Assert.Equal(5, await redis.Client.ListLengthAsync(queue + "-internal"));
            // the third batch stays in flight, as after a crash
        }
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), (await DrainAsync(address, ct)).Order());
        Assert.Equal(0, await redis.Client.ListLengthAsync(queue + "-internal"));
    }

    [Fact]
    public async Task A_full_queue_holds_the_producer_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("bounded");
        var queue = ChannelAddress.Parse(address).Get("queue")!;
        var log = new StringWriter();
        const int total = 1000, batch = 20;
        var producer = Task.Run(async () =>
        {
            await using var bounded = Catalog.OpenOutput(address + "&max_length=100", Context with { Log = log });
            for (var i = 0; i < total; i += batch)
                await bounded.SendAsync(Enumerable.Range(i, batch).Select(n => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($$"""{"__type": "Event", "extra.n": {{n}}}""")).ToList(), ct);
        }, ct);
        long longest = 0;
        var watcher = Task.Run(async () =>
        {
            while (!producer.IsCompleted)
            {
                longest = Math.Max(longest, await redis.Client.ListLengthAsync(queue));
                await Task.Delay(2, ct);
            }
        }, ct);
        var received = 0;
        await using (var slow = Catalog.OpenInput(address, Context))
        {
            await Task.Delay(300, ct); // the producer fills the queue first
            while (received < total && await slow.ReceiveAsync(10, Wait, ct) is { Count: > 0 } messages)
            {
                received += messages.Count;
                await slow.AckAsync(messages, ct);
                await Task.Delay(10, ct);
            }
        }
        await producer;
        await watcher;
        output.WriteLine($"longest queue: {longest}; log: {log}");
        Assert.Equal(total, received);
        Assert.InRange(longest, 90, 100 + batch);
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("max_length", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_comes_from_the_environment_and_a_wrong_one_is_never_printed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string password = "s3cret-Pa55-word";
        const string wrong = "wrong-Pa55-guess";
        using var secured = RedisServer.Start("--requirepass", password);
        var variable = $"INTELMQ_TEST_REDIS_PASSWORD_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, password);
        try
        {
            var address = $"redis://127.0.0.1:{secured.Port}/0?queue=secured&password_env={variable}";
            await SendAsync(address, 0, 3, ct);
            Assert.Equal(3, (await DrainAsync(address, ct)).Count);

            var refused = Assert.Throws<ConfigurationException>(() => Catalog.OpenInput($"redis://:{wrong}@127.0.0.1:{secured.Port}/0?queue=secured", Context));
            output.WriteLine(refused.Message);
            Assert.DoesNotContain(wrong, refused.Message, StringComparison.Ordinal);
            Assert.Contains("credentials", refused.Message, StringComparison.Ordinal);

            using var intelmq = new IntelMQCommand();
            intelmq.Environment["WRONG_PASSWORD"] = wrong;
            var run = intelmq.Run("", "run", "taxonomy-expert", "--input", $"redis://127.0.0.1:{secured.Port}/0?queue=secured&password_env=WRONG_PASSWORD");
            output.WriteLine(run.Stderr);
            Assert.Equal(2, run.ExitCode);
            Assert.DoesNotContain(wrong, run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6379/2", "'queue' is missing")]
    [InlineData("redis://127.0.0.1:6379/2?queue=q&maxlenn=5", "unknown option 'maxlenn'")]
    [InlineData("redis://127.0.0.1:6379/x?queue=q", "must be a database number")]
    public void A_bad_address_is_refused_with_a_hint(string address, string hint)
    {
        var refused = Assert.Throws<ConfigurationException>(() => Catalog.OpenOutput(address, Context));
        Assert.Contains(hint, refused.Message, StringComparison.Ordinal);
        Assert.Contains("e.g. redis://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_depth_and_its_limit_are_visible()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("depth") + "&maxlen=50";
        await SendAsync(address, 0, 5, ct);
        await using var queue = Catalog.OpenOutput(address, Context);
        var (depth, limit) = await ((IntelMQ.Runtime.Channels.IQueueDepth)queue).DepthAsync(ct);
        Assert.Equal(5, depth);
        Assert.Equal(50, limit);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Signal(int pid, int signal);
}
