using IntelMQ.Core;
using IntelMQ.Experts.Wait;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Experts;

public sealed class WaitExpertTests(RedisServer redis) : IClassFixture<RedisServer>
{
    static Event Finding()
    {
        var ev = Event.Create();
        ev.Add("source.ip", "192.0.2.1");
        return ev;
    }

    [Fact]
    public async Task Without_queue_name_or_sleep_time_events_pass_at_once()
    {
        using var expert = new WaitExpert(new WaitExpertOptions(), ProgramContext.Default);
        var output = new EventCollector();

        await expert.ProcessAsync(Finding(), output, TestContext.Current.CancellationToken);

        Assert.Single(output.Events);
    }

    [Fact]
    public async Task In_sleep_mode_an_event_waits_without_holding_a_thread_and_a_stop_ends_the_wait()
    {
        using var expert = new WaitExpert(new WaitExpertOptions { SleepTime = 3600 }, ProgramContext.Default);
        var output = new EventCollector();
        using var stop = new CancellationTokenSource();

        var waiting = expert.ProcessAsync(Finding(), output, stop.Token).AsTask();
        Assert.False(waiting.IsCompleted); // returned to the caller while it waits
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Empty(output.Events);
    }

    [Fact]
    public async Task In_queue_mode_an_event_waits_until_the_list_holds_at_most_queue_size()
    {
        var server = redis.Required();
        var queue = "wait-" + Guid.NewGuid().ToString("N");
        var db = server.Client.Multiplexer.GetDatabase(2);
        await db.ListLeftPushAsync(queue, ["1", "2", "3"]);
        using var expert = new WaitExpert(new WaitExpertOptions { QueueName = queue, QueueSize = 1, QueuePort = server.Port, QueueHost = "127.0.0.1", QueuePollingInterval = 0.01 }, ProgramContext.Default);
        var output = new EventCollector();

        var waiting = expert.ProcessAsync(Finding(), output, TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted); // three messages in the list
        Assert.Empty(output.Events);

        await db.ListRightPopAsync(queue, 2);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Single(output.Events);
    }

    [Fact]
    public async Task A_queue_server_that_cannot_be_reached_is_a_transient_failure()
    {
        using var expert = new WaitExpert(new WaitExpertOptions { QueueName = "q", QueueHost = "127.0.0.1", QueuePort = RedisServer.FreePort() }, ProgramContext.Default);

        await Assert.ThrowsAsync<TransientException>(() => expert.ProcessAsync(Finding(), new EventCollector(), TestContext.Current.CancellationToken).AsTask());
    }
}
