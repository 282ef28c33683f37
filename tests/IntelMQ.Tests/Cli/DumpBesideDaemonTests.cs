using System.Text.Json;

namespace IntelMQ.Tests.Cli;

/// <summary>The dump inspected, replayed and deleted while its program runs: no entry lost, none sent twice.</summary>
public sealed class DumpBesideDaemonTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string Dump => Path.Combine(_intelmq.Home, "var", "dump", "taxonomy-expert.jsonl");

    [Fact]
    public async Task Failures_before_during_and_after_a_replay_are_each_replayed_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = _intelmq.PathOf("in.jsonl");
        var replayed = _intelmq.PathOf("replayed.jsonl");
        File.WriteAllText(input, "");
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--batch-size", "5",
            "--input", $"file:{input}?follow=true&poll_ms=20", "--output", $"file:{_intelmq.PathOf("out.jsonl")}");
        try
        {
            Fail(input, 0, 40);
            await Eventually.WaitForAsync("40 failures in the dump", () => DumpContents().Count == 40, ct);

            var during = Task.Run(async () =>
            {
                for (var i = 40; i < 70; i++)
                {
                    Fail(input, i, i + 1);
                    await Task.Delay(20, ct);
                }
            }, ct);
            Assert.Equal(0, _intelmq.Run("", "dump", "replay", "taxonomy-expert", "--to", $"file:{replayed}").ExitCode);
            await during;
            Fail(input, 70, 100);
            await Eventually.WaitForAsync("100 failures replayed or in the dump", () => File.ReadAllLines(replayed).Length + DumpContents().Count == 100, ct);

            Assert.Equal(0, _intelmq.Run("", "dump", "replay", "taxonomy-expert", "--to", $"file:{replayed}").ExitCode);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => $"not json {i}").Order(), File.ReadAllLines(replayed).Order());
            Assert.Contains("no dumps", _intelmq.Run("", "dump", "list").Stdout);

            Fail(input, 100, 110);
            await Eventually.WaitForAsync("10 failures after the replays", () => DumpContents().Count == 10, ct);
            Assert.Contains("10 entries", _intelmq.Run("", "dump", "delete", "taxonomy-expert").Stdout);
            Fail(input, 110, 115);
            await Eventually.WaitForAsync("failures after the deletion start a new dump", () => DumpContents().Count == 5, ct);
        }
        finally
        {
            Assert.True(Eventually.Terminate(daemon));
        }
        Assert.Equal(Enumerable.Range(110, 5).Select(i => $"not json {i}"), DumpContents());
    }

    [Fact]
    public void A_replay_that_did_not_finish_is_listed_and_sent_by_the_next_replay()
    {
        Assert.Equal(1, _intelmq.Run("not json 1\n", "run", "taxonomy-expert").ExitCode);
        File.Move(Dump, Dump + ".replaying-99999999"); // as a replay killed before it sent them leaves it
        Assert.Equal(1, _intelmq.Run("not json 2\n", "run", "taxonomy-expert").ExitCode);

        Assert.Contains("did not finish", _intelmq.Run("", "dump", "list").Stdout);
        Assert.Contains("not json 1", _intelmq.Run("", "dump", "show", "taxonomy-expert").Stdout);
        Assert.Equal(0, _intelmq.Run("", "dump", "replay", "taxonomy-expert", "--to", $"file:{_intelmq.PathOf("replayed.jsonl")}").ExitCode);
        Assert.Equal(["not json 1", "not json 2"], File.ReadAllLines(_intelmq.PathOf("replayed.jsonl")));
        Assert.Contains("no dumps", _intelmq.Run("", "dump", "list").Stdout);
    }

    [Fact]
    public void Replay_without_a_destination_is_refused_and_keeps_the_dump()
    {
        Assert.Equal(1, _intelmq.Run("not json\n", "run", "taxonomy-expert").ExitCode);
        var replay = _intelmq.Run("", "dump", "replay", "taxonomy-expert");
        Assert.Equal(2, replay.ExitCode);
        Assert.Contains("--to", replay.Stderr);
        Assert.Contains("dump show", replay.Stderr);
        Assert.Single(DumpContents());
    }

    static void Fail(string input, int from, int to) =>
        File.AppendAllText(input, string.Concat(Enumerable.Range(from, to - from).Select(i => $"not json {i}\n")));

    List<string> DumpContents() =>
        File.Exists(Dump) ? [.. File.ReadAllLines(Dump).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("content").GetString()!)] : [];
}
