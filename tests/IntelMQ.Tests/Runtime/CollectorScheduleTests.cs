using IntelMQ.Runtime;

namespace IntelMQ.Tests.Runtime;

/// <summary>When daemon collectors run, and the run settings taken from a collector's configuration.</summary>
public sealed class CollectorScheduleTests
{
    static readonly DateTimeOffset At = new(2024, 5, 1, 0, 1, 0, TimeSpan.Zero);

    [Fact]
    public void A_cron_schedule_runs_at_its_next_matching_time_in_UTC_and_takes_seconds_as_a_sixth_field()
    {
        Assert.Equal(At.AddMinutes(14), CollectorSchedule.Cron("*/15 * * * *").Next(At));
        Assert.Equal(At.AddMinutes(4).AddSeconds(30), CollectorSchedule.Cron("30 */5 * * * *").Next(At));
        Assert.False(CollectorSchedule.Cron("0 2 * * *").RunsAtStart);
    }

    [Fact]
    public void An_interval_runs_at_start_and_then_an_interval_after_each_run_plus_at_most_the_jitter()
    {
        var schedule = CollectorSchedule.Every(TimeSpan.FromSeconds(300), jitter: TimeSpan.FromSeconds(30));
        Assert.True(schedule.RunsAtStart);
        var next = schedule.Next(At);
        Assert.InRange(next, At.AddSeconds(300), At.AddSeconds(330));
    }

    [Fact]
    public void A_schedule_that_is_not_cron_is_refused_with_an_example()
    {
        var error = Assert.Throws<ConfigurationException>(() => CollectorSchedule.Cron("every five minutes"));
        Assert.Contains("'*/15 * * * *'", error.Message);
    }

    [Fact]
    public void Collector_settings_are_taken_out_of_the_option_values_before_binding()
    {
        var values = new Dictionary<string, object?>
        {
            ["schedule"] = "0 2 * * *", ["rate_limit"] = "300", ["max_report_size"] = "1000", ["name"] = "Shadowserver",
            ["accuracy"] = "90", ["provider"] = "Shadowserver Foundation", ["path"] = "/var/spool/feeds",
        };
        var settings = CollectorSettings.Take(values);

        Assert.Equal("cron '0 2 * * *' (UTC)", settings.Schedule.ToString());
        Assert.Equal(1000, settings.MaxReportSize);
        Assert.Equal(new Dictionary<string, string> { ["feed.name"] = "Shadowserver", ["feed.accuracy"] = "90", ["feed.provider"] = "Shadowserver Foundation" }, settings.Feed);
        Assert.Equal(["path"], values.Keys);
        Assert.Equal("every 300 s", CollectorSettings.Take([]).Schedule.ToString());
        Assert.Equal(CollectorHostOptions.DefaultMaxReportSize, CollectorSettings.Take([]).MaxReportSize);
    }

    [Theory]
    [InlineData("accuracy", "200", "not a valid feed.accuracy")]
    [InlineData("rate_limit", "soon", "rate_limit: 'soon' must be a number")]
    [InlineData("max_report_size", "0", "max_report_size must be a number of bytes above 0")]
    public void A_wrong_collector_setting_is_refused(string key, string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => CollectorSettings.Take(new() { [key] = value }));
        Assert.Contains(message, error.Message);
    }
}
