using IntelMQ.Core;
using IntelMQ.Experts.Filter;

namespace IntelMQ.Tests.Experts;

public sealed class FilterExpertTests
{
    static EventCollector Run(FilterExpertOptions options, ProgramContext context, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        new FilterExpert(options, context).Process(ev, output);
        return output;
    }

    [Fact]
    public void Drop_action_drops_a_match_with_a_counted_reason_and_routes_it_to_filter_match()
    {
        var output = Run(new() { FilterKey = "classification.type", FilterValue = "spam", FilterAction = "drop" }, ProgramContext.Default, ("classification.type", "spam"));

        Assert.Equal(["filter_match", "action_other"], output.Paths);
        Assert.Contains("classification.type", Assert.Single(output.Dropped).Reason);
    }

    [Fact]
    public void Side_paths_the_run_does_not_connect_get_no_copies()
    {
        var context = ProgramContext.Default with { ConnectedPaths = new HashSet<string> { "_default", "action_other" } };
        var output = Run(new() { FilterKey = "classification.type", FilterValue = "spam", FilterAction = "drop" }, context, ("classification.type", "spam"));

        Assert.Equal(["action_other"], output.Paths);
        Assert.Single(output.Dropped);
    }

    [Fact]
    public void Keep_action_passes_a_match_on()
    {
        var output = Run(new() { FilterKey = "extra.flag", FilterValue = "true", FilterAction = "keep" }, ProgramContext.Default, ("custom.flag", true));

        Assert.Equal(["filter_match", "_default"], output.Paths);
        Assert.Empty(output.Dropped);
    }

    [Fact]
    public void Relative_not_before_uses_the_program_clock()
    {
        var clock = new FixedClock(DateTimeOffset.Parse("2024-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var context = ProgramContext.Default with { Clock = clock };

        var old = Run(new() { NotBefore = "2 days" }, context, ("@timestamp", "2024-02-20T00:00:00+00:00"));
        var recent = Run(new() { NotBefore = "2 days" }, context, ("@timestamp", "2024-02-29T00:00:00+00:00"));

        Assert.Single(old.Dropped);
        Assert.Single(recent.Events);
    }

    [Fact]
    public void Unknown_action_is_refused_at_start() =>
        Assert.Throws<ConfigurationException>(() => new FilterExpert(new() { FilterKey = "source.ip", FilterAction = "maybe" }, ProgramContext.Default));

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
