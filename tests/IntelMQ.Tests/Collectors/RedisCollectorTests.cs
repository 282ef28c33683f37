using System.Text;
using IntelMQ.Core;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Redis collector against a private redis-server: the processing list, recovery at start, a crash.</summary>
public sealed class RedisCollectorTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task What_an_earlier_run_left_in_the_processing_list_comes_first_and_both_lists_end_empty()
    {
        var client = redis.Required().Client;
        var queue = $"partner-{Guid.NewGuid():N}";
        await client.ListLeftPushAsync(queue + "-internal", "left by a crash");
        await client.ListLeftPushAsync(queue, "first");
        await client.ListLeftPushAsync(queue, "second");

        var run = _intelmq.Run("", "run", "redis-collector", "--set", $"redis_server_port={redis.Port}", "--set", "redis_db=0",
            "--set", $"redis_queue={queue}", "--set", "name=Partner", "--output", $"file:{_intelmq.PathOf("reports.jsonl")}");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var reports = File.ReadAllLines(_intelmq.PathOf("reports.jsonl")).Select(l => EventJson.Read(Encoding.UTF8.GetBytes(l)).Single()).ToList();
        Assert.Equal(["left by a crash", "first", "second"], reports.Select(r => (string)r["event.original"]!));
        Assert.All(reports, r => Assert.Equal("Partner", r["feed.name"]));
        Assert.Equal((0, 0), (await client.ListLengthAsync(queue), await client.ListLengthAsync(queue + "-internal")));
    }

    [Fact]
    public async Task A_collector_killed_between_receiving_and_handing_on_hands_the_message_on_once_after_its_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = redis.Required().Client;
        var queue = $"partner-{Guid.NewGuid():N}";
        using var crash = new CollectorCrash(_intelmq, ["run", "redis-collector", "--set", $"redis_server_port={redis.Port}", "--set", "redis_db=0", "--set", $"redis_queue={queue}"]);

        await crash.StartAsync(() => client.ListLeftPushAsync(queue, "warm-up"), ct);
        await crash.KillWhileHandingOnAsync(async () =>
        {
            await client.ListLeftPushAsync(queue, "the message");
            await Eventually.WaitForAsync("the message taken into the processing list", async () => await client.ListLengthAsync(queue + "-internal") == 1, ct);
        }, ct);
        var reports = await crash.ReportsAsync(1, ct);

        Assert.Equal(["the message"], reports.Select(QueueReports.Body));
        Assert.Equal((0, 0), (await client.ListLengthAsync(queue), await client.ListLengthAsync(queue + "-internal")));
    }
}
