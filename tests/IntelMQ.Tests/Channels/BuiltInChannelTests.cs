using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>The runtime's own transports (memory, named pipes) and channel settings in a program's YAML config.</summary>
public sealed class BuiltInChannelTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    static readonly ChannelContext Context = new("builtin", 0, TextWriter.Null);

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task A_memory_queue_connects_programs_in_one_process_and_holds_producers_back_when_full()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"memory:q-{Guid.NewGuid():N}?capacity=2";
        await using var output = IntelMQ.Cli.Channels.Catalog.OpenOutput(name, Context);
        await using var input = IntelMQ.Cli.Channels.Catalog.OpenInput(name, Context);
        await output.SendAsync([Encoding.UTF8.GetBytes("{\"a\": 1}"), Encoding.UTF8.GetBytes("{\"a\": 2}")], ct);
        var third = output.SendAsync([Encoding.UTF8.GetBytes("{\"a\": 3}")], ct).AsTask();
        await Task.Delay(200, ct);
        Assert.False(third.IsCompleted, "a full queue makes the producer wait");
        var batch = await input.ReceiveAsync(2, TimeSpan.FromSeconds(1), ct);
        Assert.Equal(2, batch!.Count);
        await third;
        Assert.Single((await input.ReceiveAsync(10, TimeSpan.FromSeconds(1), ct))!);
        Assert.Empty((await input.ReceiveAsync(10, TimeSpan.FromMilliseconds(100), ct))!);
    }

    [Theory]
    [InlineData("redis://localhost:6379/2?queue=q", true)]
    [InlineData("redis-stream://localhost:6379/2?stream=s", true)]
    [InlineData("amqp://localhost/?queue=q", true)]
    [InlineData("kafka://localhost:9092/?topic=t", true)]
    [InlineData("pulsar://localhost:8080/?topic=t", true)]
    [InlineData("sqlite:/tmp/q.db?queue=q", true)]
    [InlineData("stdin:", false)]
    [InlineData("file:/tmp/in.jsonl?follow=true", false)]
    [InlineData("pipe:/tmp/in.fifo", false)]
    [InlineData("memory:q", false)]
    public void Only_queues_can_be_shared_by_the_workers_of_processes(string uri, bool shareable) =>
        Assert.Equal(shareable, IntelMQ.Cli.Channels.Catalog.IsShareable(uri));

    [Theory]
    [InlineData("file:/tmp/out.jsonl?fsnyc=true", "unknown option 'fsnyc'. Did you mean 'fsync'?")]
    [InlineData("stdout:?format=dho&fsync=true", "unknown option 'fsync'")]
    [InlineData("memory:q?capcity=5", "Did you mean 'capacity'?")]
    [InlineData("sqlite:/tmp/q.db?queue=q&max_lenght=5", "Did you mean 'max_length'?")]
    public void An_option_the_channel_does_not_know_is_refused_with_a_suggestion(string uri, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => IntelMQ.Cli.Channels.Catalog.OpenOutput(uri, Context));
        Assert.Contains(message, error.Message);
        Assert.Contains("options:", error.Message);
    }

    [Fact]
    public async Task A_program_reads_a_named_pipe()
    {
        var ct = TestContext.Current.CancellationToken;
        var fifo = _intelmq.PathOf("events.fifo");
        var output = _intelmq.PathOf("out.jsonl");
        using var reader = _intelmq.Start("run", "taxonomy-expert", "--input", $"pipe:{fifo}", "--output", $"file:{output}?format=ndjson");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(fifo) && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        await using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            await writer.WriteAsync("{\"source\": {\"ip\": \"192.0.2.1\"}}\n{\"source\": {\"ip\": \"192.0.2.2\"}}\n"u8.ToArray(), ct);
        await reader.WaitForExitAsync(ct);
        Assert.Equal(0, reader.ExitCode);
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [Fact]
    public async Task A_program_writes_a_named_pipe_one_message_per_line()
    {
        var ct = TestContext.Current.CancellationToken;
        var fifo = _intelmq.PathOf("out.fifo");
        var input = _intelmq.PathOf("in.jsonl");
        File.WriteAllLines(input, Enumerable.Range(1, 3).Select(i => $"{{\"source\": {{\"ip\": \"192.0.2.{i}\"}}}}"));
        using var writer = _intelmq.Start("run", "taxonomy-expert", "--input", $"file:{input}", "--output", $"pipe:{fifo}?format=ndjson");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(fifo) && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        using var reader = new StreamReader(new FileStream(fifo, FileMode.Open, FileAccess.Read));
        var lines = (await reader.ReadToEndAsync(ct)).Split('\n');
        await writer.WaitForExitAsync(ct);
        Assert.Equal(0, writer.ExitCode);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3", ""], lines.Select(l => l.Length == 0 ? "" : (string)JsonNode.Parse(l)!["source"]!["ip"]!));
    }

    [Fact]
    public void Channels_can_be_named_in_the_config_file_and_the_command_line_wins()
    {
        var input = _intelmq.PathOf("in.jsonl");
        File.WriteAllText(input, "{\"source\": {\"ip\": \"192.0.2.1\"}}\n");
        File.WriteAllText(_intelmq.PathOf("expert.yaml"), $"""
            input: file:{input}
            output:
              _default:
                - file:{_intelmq.PathOf("a.jsonl")}?format=dho
                - file:{_intelmq.PathOf("b.jsonl")}?format=ndjson
            parameters: {"{}"}
            """);
        Assert.Equal(0, _intelmq.Run("", "run", "taxonomy-expert", "--config", _intelmq.PathOf("expert.yaml"), "--linger-ms", "50").ExitCode);
        Assert.Equal("192.0.2.1", (string)JsonNode.Parse(File.ReadAllText(_intelmq.PathOf("a.jsonl")))!["source.ip"]!);
        Assert.Equal("192.0.2.1", (string)JsonNode.Parse(File.ReadAllText(_intelmq.PathOf("b.jsonl")))!["source"]!["ip"]!);

        var cli = _intelmq.Run("", "run", "taxonomy-expert", "--config", _intelmq.PathOf("expert.yaml"), "--output", $"file:{_intelmq.PathOf("c.jsonl")}");
        Assert.Equal(0, cli.ExitCode);
        Assert.True(File.Exists(_intelmq.PathOf("c.jsonl")));
        Assert.Single(File.ReadAllLines(_intelmq.PathOf("a.jsonl")));
    }

    [Fact]
    public async Task Queue_depths_and_limits_are_visible()
    {
        var queue = $"sqlite:{_intelmq.PathOf("q.db")}?queue=parsed&max_length=10";
        await using (var output = IntelMQ.Cli.Channels.Catalog.OpenOutput(queue, Context))
            await output.SendAsync([Encoding.UTF8.GetBytes("{}"), Encoding.UTF8.GetBytes("{}"), Encoding.UTF8.GetBytes("{}")], TestContext.Current.CancellationToken);
        var depth = _intelmq.Run("", "queue", "depth", queue);
        Assert.Equal(0, depth.ExitCode);
        Assert.StartsWith("queue\tmessages\tbound\n", depth.Stdout);
        Assert.Contains("\t3\tlimit 10", depth.Stdout);
        Assert.Equal(2, _intelmq.Run("", "queue", "depth", $"file:{_intelmq.PathOf("x")}").ExitCode);
    }

    [Fact]
    public void Asking_for_the_depth_of_a_missing_SQLite_queue_says_so_and_creates_nothing()
    {
        var missing = _intelmq.PathOf("typo.db");
        var depth = _intelmq.Run("", "queue", "depth", $"sqlite:{missing}?queue=parsed");
        Assert.Equal(2, depth.ExitCode);
        Assert.Contains("does not exist", depth.Stderr);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void Unknown_channels_and_bad_addresses_are_refused_with_a_hint()
    {
        var unknown = _intelmq.Run("", "run", "taxonomy-expert", "--input", "carrier-pigeon://loft");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown channel 'carrier-pigeon'", unknown.Stderr);
        Assert.Contains("redis", unknown.Stderr);
        var secret = _intelmq.Run("", "run", "taxonomy-expert", "--input", "sqlite:" + _intelmq.PathOf("q.db"));
        Assert.Equal(2, secret.ExitCode);
        Assert.Contains("'queue' is missing", secret.Stderr);
    }
}
