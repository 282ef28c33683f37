using IntelMQ.Channels;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using StackExchange.Redis;

namespace IntelMQ.Tests.Channels;

/// <summary>IntelMQ's statistics keys in Redis database 3, as a replaced bot would have kept them, against a private redis-server.</summary>
public sealed class IntelMQStatisticsTests(RedisServer redis) : IClassFixture<RedisServer>
{
    readonly RedisServer _server = redis.Required();

    static ChannelContext Context(string id) => new(id, 0, TextWriter.Null);

    IDatabase Database(int db) => _server.Client.Multiplexer.GetDatabase(db);

    Dictionary<string, string> Keys(int db, string id) =>
        _server.Client.Multiplexer.GetServer("127.0.0.1", _server.Port).Keys(db, id + ".*")
            .ToDictionary(k => (string)k!, k => (string)Database(db).StringGet(k)!);

    [Fact]
    public async Task Batches_add_up_in_the_success_failure_and_per_path_keys_of_database_3()
    {
        var id = "taxonomy-expert-" + Guid.NewGuid().ToString("N")[..8];
        await using (var statistics = IntelMQStatistics.Open($"redis://127.0.0.1:{_server.Port}", ["_default", "_on_error"], Context(id)))
        {
            statistics.Record(5, 1, [new("_default", 4)]);
            statistics.Record(2, 0, [new("_default", 3), new("_on_error", 1)]);
            statistics.Record(0, 2, []);
            await statistics.FlushAsync();
        }

        Assert.Equal(new Dictionary<string, string>
        {
            [$"{id}.stats.success"] = "7",
            [$"{id}.stats.failure"] = "3",
            [$"{id}.total._default"] = "7",
            [$"{id}.total._on_error"] = "1",
        }, Keys(3, id));
        Assert.Empty(Keys(0, id));
    }

    [Fact]
    public async Task The_keys_exist_with_0_from_the_start_and_keep_earlier_counts()
    {
        var id = "file-output-" + Guid.NewGuid().ToString("N")[..8];
        await Database(5).StringSetAsync($"{id}.stats.success", 40);

        await using (var statistics = IntelMQStatistics.Open($"redis://127.0.0.1:{_server.Port}/5", ["_default"], Context(id)))
            await statistics.FlushAsync();

        Assert.Equal(new Dictionary<string, string>
        {
            [$"{id}.stats.success"] = "40",
            [$"{id}.stats.failure"] = "0",
            [$"{id}.total._default"] = "0",
        }, Keys(5, id));
    }

    [Fact]
    public async Task Workers_of_one_id_add_to_the_same_keys()
    {
        var id = "deduplicator-expert-" + Guid.NewGuid().ToString("N")[..8];
        var address = $"redis://127.0.0.1:{_server.Port}/3";
        await using (var first = IntelMQStatistics.Open(address, [], new ChannelContext(id, 1, TextWriter.Null)))
        await using (var second = IntelMQStatistics.Open(address, [], new ChannelContext(id, 2, TextWriter.Null)))
        {
            first.Record(10, 0, [new("_default", 8)]);
            second.Record(5, 0, [new("_default", 5)]);
            await first.FlushAsync();
            await second.FlushAsync();
        }

        Assert.Equal("15", (string?)await Database(3).StringGetAsync($"{id}.stats.success"));
        Assert.Equal("13", (string?)await Database(3).StringGetAsync($"{id}.total._default"));
    }

    [Fact]
    public void An_address_of_another_transport_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => IntelMQStatistics.Open("amqp://127.0.0.1/", [], Context("x")));

        Assert.Contains("e.g. redis://127.0.0.1:6379/3", error.Message);
    }
}
