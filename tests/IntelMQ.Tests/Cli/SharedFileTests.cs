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

    /// <summary>The deduplicator's embedded marks serve one process: several workers would each keep their own and rewrite the file.</summary>
    [Fact]
    public void A_deduplicator_with_its_embedded_store_under_processes_is_refused_at_start_with_the_fix()
    {
        var result = _intelmq.Run("", "run", "deduplicator-expert", "--processes", "2", "--input", "redis://127.0.0.1:1/0?queue=dedup");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--processes 2", result.Stderr);
        Assert.Contains("give store=redis", result.Stderr);
    }

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
    public void File_output_in_dho_writes_what_IntelMQs_file_output_writes_without_type_and_raw_unless_asked()
    {
        const string ev = "{\"source\": {\"ip\": \"192.0.2.1\"}, \"event\": {\"original\": \"192.0.2.1,scan\"}}\n";
        var plain = _intelmq.PathOf("plain.txt");
        var full = _intelmq.PathOf("full.txt");
        Assert.Equal(0, _intelmq.Run(ev, "run", "file-output", "--set", $"path={plain}", "--set", "format=dho").ExitCode);
        Assert.Equal(0, _intelmq.Run(ev, "run", "file-output", "--set", $"path={full}", "--set", "format=dho", "--set", "keep_raw_field=true", "--set", "message_with_type=true").ExitCode);

        var line = JsonDocument.Parse(File.ReadAllText(plain)).RootElement;
        Assert.Equal("192.0.2.1", line.GetProperty("source.ip").GetString());
        Assert.False(line.TryGetProperty("__type", out _));
        Assert.False(line.TryGetProperty("raw", out _));
        var kept = JsonDocument.Parse(File.ReadAllText(full)).RootElement;
        Assert.Equal("Event", kept.GetProperty("__type").GetString());
        Assert.Equal("192.0.2.1,scan", Encoding.UTF8.GetString(Convert.FromBase64String(kept.GetProperty("raw").GetString()!)));
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
