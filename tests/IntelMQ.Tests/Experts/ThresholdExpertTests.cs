using IntelMQ.Core;
using IntelMQ.Experts.Threshold;

namespace IntelMQ.Tests.Experts;

public sealed class ThresholdExpertTests
{
    [Fact]
    public void Only_the_event_reaching_the_threshold_passes_with_its_count()
    {
        var expert = new ThresholdExpert(new ThresholdExpertOptions { FilterKeys = ["source.ip"], Threshold = 3, Timeout = 60, AddKeys = """{"comment": "many"}""" }, ProgramContext.Default);
        var output = new EventCollector();

        for (var i = 0; i < 5; i++)
        {
            var ev = Event.Create();
            ev.Add("source.ip", "192.0.2.1");
            ev.Add("destination.port", (long)(1000 + i));
            expert.Process(ev, output);
        }

        var passed = Assert.Single(output.Events);
        Assert.Equal(3L, passed["custom.count"]);
        Assert.Equal(1002L, passed["destination.port"]);
        Assert.Equal("many", passed["comment"]);
        Assert.Equal(4, output.Dropped.Count);
    }

    [Fact]
    public void Delivered_counts_survive_a_restart_and_an_unconfirmed_batch_is_not_counted()
    {
        var dir = Directory.CreateTempSubdirectory("threshold-");
        try
        {
            var context = ProgramContext.Default with { DataDirectory = dir.FullName, Id = "threshold", Daemon = true };
            var options = new ThresholdExpertOptions { FilterKeys = ["source.ip"], Threshold = 3, Timeout = 3600 };
            var output = new EventCollector();
            using (var first = new ThresholdExpert(options, context))
            {
                first.Process(Scan(1), output);
                first.Process(Scan(2), output);
                first.Delivered();
                first.Process(Scan(3), output); // its hand-off never confirmed: it comes again after the restart
            }
            Assert.True(File.Exists(Path.Combine(dir.FullName, "threshold.threshold.tsv")));

            using var restarted = new ThresholdExpert(options, context);
            var again = new EventCollector();
            restarted.Process(Scan(3), again);

            var passed = Assert.Single(again.Events);
            Assert.Equal(3L, passed["custom.count"]);
            Assert.Equal(3L, passed["destination.port"]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_second_process_on_the_same_counts_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("threshold-");
        try
        {
            var context = ProgramContext.Default with { DataDirectory = dir.FullName, Id = "threshold", Daemon = true };
            var options = new ThresholdExpertOptions { FilterKeys = ["source.ip"], Threshold = 3, Timeout = 3600 };
            using var first = new ThresholdExpert(options, context);

            var error = Assert.Throws<ConfigurationException>(() => new ThresholdExpert(options, context));

            Assert.Contains("threshold.threshold.tsv is in use by another process", error.Message);
            Assert.Contains("--processes 2", Assert.Throws<ConfigurationException>(() => new ThresholdExpert(options, context with { Id = "other", Processes = 2 })).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    static Event Scan(int port)
    {
        var ev = Event.Create();
        ev.Add("source.ip", "192.0.2.1");
        ev.Add("destination.port", (long)port);
        return ev;
    }

    [Fact]
    public void Add_keys_that_is_not_an_object_is_refused() =>
        Assert.Throws<ConfigurationException>(() => new ThresholdExpert(new ThresholdExpertOptions { AddKeys = "[1]" }, ProgramContext.Default));
}
