using IntelMQ.Core;
using IntelMQ.Experts.Aggregate;

namespace IntelMQ.Tests.Experts;

public sealed class AggregateExpertTests : IDisposable
{
    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("aggregate");
    readonly ManualClock _clock = new();

    public void Dispose() => _data.Delete(recursive: true);

    sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    AggregateExpert Expert(AggregateExpertOptions? options = null) =>
        new(options ?? new() { Threshold = 3 }, ProgramContext.Default with { Id = "agg", Clock = _clock, DataDirectory = _data.FullName });

    static Event Ddos(string ip, string observed)
    {
        var ev = Event.Create();
        ev.Add("classification.type", "ddos");
        ev.Add("classification.identifier", "ddos");
        ev.Add("source.ip", ip);
        ev.Add("event.created", observed);
        ev.AssignNewId();
        return ev;
    }

    [Fact]
    public void A_group_is_passed_on_as_one_event_when_its_time_span_has_ended()
    {
        using var expert = Expert();
        var output = new EventCollector();
        var members = Enumerable.Range(1, 4).Select(i => Ddos("192.0.2.1", $"2015-01-01T00:00:0{i}+00:00")).ToList();
        foreach (var ev in members) expert.Process(ev, output);
        Assert.Empty(output.Events);
        Assert.Equal(4, output.Dropped.Count);

        _clock.Now = _clock.Now.AddHours(1).AddSeconds(1);
        expert.Process(Ddos("192.0.2.9", "2015-01-02T00:00:00+00:00"), output);

        var aggregate = Assert.Single(output.Events);
        Assert.Equal(4L, Convert.ToInt64(aggregate["custom.count"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("2015-01-01T00:00:04", (string)aggregate["custom.time_end"]!);
        Assert.StartsWith("2024-03-01T12:00:00", (string)aggregate["@timestamp"]!);
        Assert.Equal("192.0.2.1", aggregate["source.ip"]);
        var links = System.Text.Json.JsonSerializer.SerializeToNode(aggregate[Event.LinksField])!.AsArray();
        Assert.Equal(members.Select(m => m.Id), links.Select(l => (string?)l!["id"]));
        Assert.All(links, l => Assert.Equal("parent", (string?)l!["type"]));
        Assert.Equal(1, expert.OpenGroups);
    }

    [Fact]
    public void A_group_below_the_threshold_is_dropped_when_it_ends()
    {
        using var expert = Expert();
        var output = new EventCollector();
        expert.Process(Ddos("192.0.2.1", "2015-01-01T00:00:01+00:00"), output);
        _clock.Now = _clock.Now.AddHours(2);

        expert.Process(Ddos("192.0.2.1", "2015-01-01T02:00:01+00:00"), output);

        Assert.Empty(output.Events);
    }

    [Fact]
    public void Different_keys_form_different_groups()
    {
        using var expert = Expert(new() { Threshold = 1, Fields = "classification.type, source.ip" });
        var output = new EventCollector();
        expert.Process(Ddos("192.0.2.1", "2015-01-01T00:00:01+00:00"), output);
        expert.Process(Ddos("192.0.2.2", "2015-01-01T00:00:02+00:00"), output);
        _clock.Now = _clock.Now.AddHours(2);

        expert.Process(Ddos("192.0.2.3", "2015-01-01T00:00:03+00:00"), output);

        Assert.Equal(["192.0.2.1", "192.0.2.2"], output.Events.Select(e => (string)e["source.ip"]!).Order());
    }

    [Fact]
    public void Open_groups_survive_a_restart()
    {
        var output = new EventCollector();
        var first = Expert();
        for (var i = 0; i < 3; i++) first.Process(Ddos("192.0.2.1", $"2015-01-01T00:00:0{i}+00:00"), output);
        first.Delivered();

        first.Dispose(); // the process ends
        using var restarted = Expert();
        _clock.Now = _clock.Now.AddHours(1);
        restarted.Process(Ddos("192.0.2.1", "2015-01-01T01:00:00+00:00"), output);

        Assert.Equal(3L, Convert.ToInt64(Assert.Single(output.Events)["custom.count"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_batch_whose_hand_off_was_not_confirmed_is_aggregated_again_after_a_restart()
    {
        var first = Expert();
        for (var i = 0; i < 3; i++) first.Process(Ddos("192.0.2.1", $"2015-01-01T00:00:0{i}+00:00"), new EventCollector());
        first.Delivered();
        _clock.Now = _clock.Now.AddHours(1);
        var lost = new EventCollector();
        first.Process(Ddos("192.0.2.1", "2015-01-01T01:00:00+00:00"), lost); // closes the group; the process dies before the hand-off
        Assert.Single(lost.Events);

        first.Dispose(); // the process ends
        using var restarted = Expert();
        var output = new EventCollector();
        restarted.Process(Ddos("192.0.2.1", "2015-01-01T01:00:00+00:00"), output); // the input is redelivered

        Assert.Equal(3L, Convert.ToInt64(Assert.Single(output.Events)["custom.count"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_aggregate_is_a_new_event_with_its_own_id()
    {
        using var expert = Expert(new() { Threshold = 1 });
        var member = Ddos("192.0.2.1", "2015-01-01T00:00:01+00:00");
        expert.Process(member, new EventCollector());
        _clock.Now = _clock.Now.AddHours(2);
        var output = new EventCollector();

        expert.Process(Ddos("192.0.2.2", "2015-01-01T02:00:01+00:00"), output);

        var aggregate = Assert.Single(output.Events);
        Assert.True(Guid.TryParse(aggregate.Id, out _));
        Assert.NotEqual(member.Id, aggregate.Id);
    }

    [Fact]
    public void A_second_process_on_the_same_groups_is_refused()
    {
        using var first = Expert();

        var error = Assert.Throws<ConfigurationException>(() => Expert());

        Assert.Contains("agg.aggregate.json is in use by another process", error.Message);
        Assert.Contains("run it as one process", Assert.Throws<ConfigurationException>(() => new AggregateExpert(new() { Threshold = 3 },
            ProgramContext.Default with { Id = "other", Clock = _clock, DataDirectory = _data.FullName, Processes = 2 })).Message);
    }

    [Fact]
    public void A_broken_state_file_is_refused_at_start_naming_the_file()
    {
        File.WriteAllText(Path.Combine(_data.FullName, "agg.aggregate.json"), "{not json");

        Assert.Contains("agg.aggregate.json", Assert.Throws<ConfigurationException>(() => Expert()).Message);
    }

    [Theory]
    [InlineData("fortnight")]
    [InlineData("0 seconds")]
    public void A_timespan_that_is_not_a_duration_is_refused(string timespan) =>
        Assert.Throws<ConfigurationException>(() => Expert(new() { Timespan = timespan }));
}
