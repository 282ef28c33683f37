using System.Text.Json.Nodes;
using IntelMQ.Runtime.Observability;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Tests.Runtime.Observability;

/// <summary>Log lines on standard error: the text shape for people and the JSON-lines shape for central logging.</summary>
public sealed class ProgramLogTests
{
    static readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 29, 19, 0, 0, 250, TimeSpan.Zero));

    static (ILogger Log, StringWriter Output) Logger(LogFormat format, LogLevel minimum = LogLevel.Debug)
    {
        var output = new StringWriter();
        return (ProgramLog.Create("taxonomy", "taxonomy-expert", minimum, format, output, Clock).CreateLogger("run"), output);
    }

    [Fact]
    public void A_text_line_has_time_level_id_and_message()
    {
        var (log, output) = Logger(LogFormat.Text);

        log.LogInformation("{Count} events sent to {Path}", 3, "_default");
        log.LogDebug("batch of {Size}", 10);
        log.LogWarning("slow");
        log.LogError("failed");

        Assert.Equal(
            "2026-11-29T19:00:00Z INFO taxonomy-expert: 3 events sent to _default\n" +
            "2026-11-29T19:00:00Z DEBUG taxonomy-expert: batch of 10\n" +
            "2026-11-29T19:00:00Z WARNING taxonomy-expert: slow\n" +
            "2026-11-29T19:00:00Z ERROR taxonomy-expert: failed\n",
            output.ToString());
    }

    [Fact]
    public void A_text_line_is_followed_by_its_exception()
    {
        var (log, output) = Logger(LogFormat.Text);

        log.LogError(new InvalidOperationException("boom"), "cannot send");

        Assert.Equal("2026-11-29T19:00:00Z ERROR taxonomy-expert: cannot send\nSystem.InvalidOperationException: boom\n", output.ToString());
    }

    [Fact]
    public void A_json_line_has_time_level_program_id_message_and_the_named_values()
    {
        var (log, output) = Logger(LogFormat.Json);

        log.LogWarning("{Channel}: retrying in {Seconds} s (attempt {Attempt}, {Ok})", "redis://127.0.0.1:6379/2?queue=in", 2.5, 3, false);

        Assert.Equal(
            """{"time":"2026-11-29T19:00:00.250Z","level":"warning","program":"taxonomy","id":"taxonomy-expert","message":"redis://127.0.0.1:6379/2?queue=in: retrying in 2.5 s (attempt 3, False)","Channel":"redis://127.0.0.1:6379/2?queue=in","Seconds":2.5,"Attempt":3,"Ok":false}""" + "\n",
            output.ToString());
    }

    [Fact]
    public void A_json_line_keeps_its_own_fields_when_a_value_has_the_same_name()
    {
        var (log, output) = Logger(LogFormat.Json);

        log.LogInformation(new FormatException("bad row"), "{message} at {id}", "spoofed", "row 7");

        var line = JsonNode.Parse(output.ToString())!.AsObject();
        Assert.Equal("spoofed at row 7", (string?)line["message"]);
        Assert.Equal("taxonomy-expert", (string?)line["id"]);
        Assert.Equal("info", (string?)line["level"]);
        Assert.Equal("System.FormatException: bad row", (string?)line["exception"]);
        Assert.Equal(["time", "level", "program", "id", "message", "exception"], line.Select(p => p.Key));
    }

    [Fact]
    public void Each_entry_is_one_line_even_with_quotes_and_newlines_in_values()
    {
        var (log, output) = Logger(LogFormat.Json);

        log.LogInformation("value {Value}", "a \"quoted\"\nvalue");
        log.LogInformation("second");

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("a \"quoted\"\nvalue", (string?)JsonNode.Parse(lines[0])!["Value"]);
    }

    [Fact]
    public void Entries_below_the_minimum_level_are_not_written()
    {
        var (log, output) = Logger(LogFormat.Text, LogLevel.Warning);

        log.LogDebug("debug");
        log.LogInformation("info");
        log.LogWarning("warning");

        Assert.Equal("2026-11-29T19:00:00Z WARNING taxonomy-expert: warning\n", output.ToString());
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("WARNING", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    public void Level_words_are_those_of_intelmq(string word, LogLevel level) => Assert.Equal(level, ProgramLog.ParseLevel(word));

    [Fact]
    public void An_unknown_level_or_format_is_a_configuration_error_listing_the_choices()
    {
        Assert.Equal("log level 'verbose': expected debug, info, warning or error.", Assert.Throws<ConfigurationException>(() => ProgramLog.ParseLevel("verbose")).Message);
        Assert.StartsWith("log format 'xml': expected text", Assert.Throws<ConfigurationException>(() => ProgramLog.ParseFormat("xml")).Message);
        Assert.Equal(LogFormat.Json, ProgramLog.ParseFormat("json"));
    }

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
