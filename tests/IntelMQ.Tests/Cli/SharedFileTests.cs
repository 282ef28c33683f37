using System.Text;
using System.Text.Json;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;
using StackExchange.Redis;

namespace IntelMQ.Tests.Cli;

/// <summary>Several processes writing one file (an output file, a dump): every line arrives whole, none overwritten.</summary>
public sealed class SharedFileTests(RedisServer redis) : IDisposable, IClassFixture<RedisServer>
{
    readonly IntelMQCommand _intelmq = new();
    static readonly ChannelContext Context = new("shared-file-test", 0, TextWriter.Null);

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task Two_file_output_processes_appending_to_one_path_keep_every_event()
    {
        var path = _intelmq.PathOf("events.jsonl");
        static string Events(int writer) =>
            string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{{\"source\": {{\"ip\": \"192.0.2.{writer}\", \"port\": {i % 65536}}}, \"custom\": {{\"n\": {i}}}}}\n"));
        var runs = new[] { 1, 2 }.Select(w => Task.Run(() => _intelmq.Run(Events(w), "run", "file-output", "--set", $"path={path}", "--batch-size", "100"))).ToArray();
        foreach (var result in await Task.WhenAll(runs)) Assert.Equal(0, result.ExitCode);

        var seen = File.ReadAllLines(path).Select(line =>
        {
            var ev = JsonDocument.Parse(line).RootElement;
            return $"{ev.GetProperty("source").GetProperty("ip").GetString()}/{ev.GetProperty("custom").GetProperty("n").GetInt32()}";
        }).ToList();
        Assert.Equal(100_000, seen.Count);
        Assert.Equal(100_000, seen.Distinct().Count());
    }

    [Fact]
    public async Task Two_writers_on_one_file_channel_keep_every_line()
    {
        var ct = TestContext.Current.CancellationToken;
        var uri = $"file:{_intelmq.PathOf("out.jsonl")}";
        await using var first = IntelMQ.Cli.Channels.Catalog.OpenOutput(uri, Context);
        await using var second = IntelMQ.Cli.Channels.Catalog.OpenOutput(uri, Context);
        async Task WriteAsync(IOutputChannel channel, string writer)
        {
            for (var batch = 0; batch < 200; batch++)
                await channel.SendAsync([.. Enumerable.Range(0, 50).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"w\": \"{writer}\", \"n\": {batch * 50 + i}}}"))], ct);
        }
        await Task.WhenAll(Task.Run(() => WriteAsync(first, "a"), ct), Task.Run(() => WriteAsync(second, "b"), ct));

        var lines = File.ReadAllLines(_intelmq.PathOf("out.jsonl"));
        Assert.Equal(20_000, lines.Length);
        Assert.Equal(20_000, lines.Select(l => JsonDocument.Parse(l).RootElement.GetRawText()).Distinct().Count());
    }

    [Fact]
    public async Task Workers_of_processes_dumping_to_one_file_keep_every_entry()
    {
        redis.Required();
        var ct = TestContext.Current.CancellationToken;
        var queue = $"bad-{Guid.NewGuid():N}";
        await redis.Client.ListLeftPushAsync(queue, [.. Enumerable.Range(0, 4000).Select(i => (RedisValue)$"not json {i}")]);
        using var supervisor = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--processes", "4", "--batch-size", "10",
            "--input", $"redis://127.0.0.1:{redis.Port}/0?queue={queue}", "--output", $"file:{_intelmq.PathOf("out.jsonl")}");
        var dump = Path.Combine(_intelmq.Home, "var", "dump", "taxonomy-expert.jsonl");
        try
        {
            await Eventually.WaitForAsync("4000 entries in the dump", () => File.Exists(dump) && File.ReadAllLines(dump).Length >= 4000, ct);
        }
        finally
        {
            Eventually.Terminate(supervisor);
        }
        var contents = File.ReadAllLines(dump).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("content").GetString()).ToList();
        Assert.Equal(4000, contents.Count);
        Assert.Equal(Enumerable.Range(0, 4000).Select(i => $"not json {i}").Order(), contents.Order());
    }
}
