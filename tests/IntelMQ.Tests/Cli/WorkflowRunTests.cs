using System.Diagnostics;
using System.Text.Json;

namespace IntelMQ.Tests.Cli;

/// <summary><c>intelmq workflow run</c>: a whole workflow in one process, to the end of its input or until a signal, with nothing lost.</summary>
public sealed class WorkflowRunTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    static readonly string Example = Path.Combine(Paths.Repo, "examples", "workflow");

    /// <summary>A copy of examples/workflow in the test's home, reading the repository's sample reports.</summary>
    string CopyExample()
    {
        var config = Path.Combine(_intelmq.Home, "etc", "config.d");
        Directory.CreateDirectory(config);
        foreach (var file in Directory.GetFiles(Path.Combine(Example, "etc", "config.d"))) File.Copy(file, Path.Combine(config, Path.GetFileName(file)));
        _intelmq.Environment["INTELMQ_INBOX"] = Path.Combine(Paths.Repo, "examples", "shadowserver");
        return config;
    }

    static string[] Row(string stdout, string id) =>
        stdout.Split('\n').Single(l => l.StartsWith(id + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void The_example_workflow_runs_to_the_end_of_its_reports_and_writes_every_classified_event()
    {
        CopyExample();
        var result = _intelmq.Run("", "workflow", "run", _intelmq.Home);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var events = File.ReadAllLines(_intelmq.PathOf("var/events.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(48, events.Count);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("classification").GetProperty("taxonomy").GetString())));
        // instance, program, received, events, sent, dumped, state
        Assert.Equal(["file-collector", "file-collector", "4", "0", "4", "0", "done"], Row(result.Stdout, "file-collector"));
        Assert.Equal(("4", "48", "8"), (Row(result.Stdout, "shadowserver-parser")[2], Row(result.Stdout, "shadowserver-parser")[4], Row(result.Stdout, "shadowserver-parser")[5]));
        Assert.Equal(("48", "48"), (Row(result.Stdout, "taxonomy-expert")[3], Row(result.Stdout, "taxonomy-expert")[4]));
        Assert.Equal("48", Row(result.Stdout, "file-output")[3]);
        Assert.Equal(8, File.ReadAllLines(_intelmq.PathOf("var/dump/shadowserver-parser.jsonl")).Length);
    }

    [Fact]
    public void The_example_runs_from_its_own_directory_with_paths_relative_to_it()
    {
        var home = Path.Combine(_intelmq.Home, "copy");
        Directory.CreateDirectory(Path.Combine(home, "etc"));
        CopyExample();
        Directory.Move(Path.Combine(_intelmq.Home, "etc", "config.d"), Path.Combine(home, "etc", "config.d"));
        // Run from elsewhere, without INTELMQ_HOME: the directory given is the workflow's home.
        _intelmq.Environment["INTELMQ_HOME"] = null;
        var result = _intelmq.Run("", "workflow", "run", "copy");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(48, File.ReadAllLines(Path.Combine(home, "var", "events.jsonl")).Length);
    }

    [Fact]
    public async Task A_continuous_workflow_stopped_by_SIGTERM_hands_on_everything_it_had_collected()
    {
        var config = CopyExample();
        // Collect every hour: the run goes on until it is stopped.
        File.WriteAllText(Path.Combine(config, "file-collector.yaml"),
            File.ReadAllText(Path.Combine(config, "file-collector.yaml")).Replace("run_mode: once", "run_mode: interval\ninterval: 3600"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _intelmq.Home };
        foreach (var a in (string[])[Paths.IntelMQDll, "workflow", "run", _intelmq.Home]) start.ArgumentList.Add(a);
        foreach (var (key, value) in _intelmq.Environment) start.Environment[key] = value;
        using var run = Process.Start(start)!;
        var stdout = run.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = run.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            // The collector commits a file once its report is handed on; the signal comes with reports and events on their way.
            await Eventually.WaitForAsync("a report is collected", () => File.Exists(_intelmq.PathOf("var/collectors/file-collector.json")), TestContext.Current.CancellationToken);
            Assert.True(Eventually.Terminate(run), "the workflow did not stop on SIGTERM");
            Assert.True(run.ExitCode == 0, await stderr);
            var summary = await stdout;
            // What each instance sent, the next received: received, events and sent are columns 2, 3 and 4.
            var (collector, parser, expert, output) = (Row(summary, "file-collector"), Row(summary, "shadowserver-parser"), Row(summary, "taxonomy-expert"), Row(summary, "file-output"));
            Assert.Equal(collector[4], parser[2]);
            Assert.Equal(parser[4], expert[3]);
            Assert.Equal(expert[4], output[3]);
            Assert.NotEqual("0", output[4]);
            Assert.Equal(output[4], File.ReadAllLines(_intelmq.PathOf("var/events.jsonl")).Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_workflow_run_serves_the_metrics_an_instance_asks_for()
    {
        var config = CopyExample();
        File.WriteAllText(Path.Combine(config, "file-collector.yaml"),
            File.ReadAllText(Path.Combine(config, "file-collector.yaml")).Replace("run_mode: once", "run_mode: interval\ninterval: 3600"));
        var port = IntelMQ.Tests.Channels.RedisServer.FreePort();
        File.AppendAllText(Path.Combine(config, "taxonomy-expert.yaml"), $"metrics: 127.0.0.1:{port}\n");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _intelmq.Home };
        foreach (var a in (string[])[Paths.IntelMQDll, "workflow", "run", _intelmq.Home]) start.ArgumentList.Add(a);
        foreach (var (key, value) in _intelmq.Environment) start.Environment[key] = value;
        using var run = Process.Start(start)!;
        _ = run.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = run.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        try
        {
            // Every event of the sample's reports reaches the expert, and its depth is that of the in-memory queue it reads.
            var metrics = "";
            await Eventually.WaitForAsync("the expert's metrics count the sample's 48 events", async () =>
            {
                try { metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"); }
                catch (HttpRequestException) { return false; }
                return metrics.Contains("intelmq_events_received_total{id=\"taxonomy-expert\",program=\"taxonomy-expert\"} 48", StringComparison.Ordinal);
            }, TestContext.Current.CancellationToken);
            Assert.Contains("intelmq_queue_depth{id=\"taxonomy-expert\",program=\"taxonomy-expert\",queue=\"memory:events\"} 0", metrics);
            Assert.True(Eventually.Terminate(run), "the workflow did not stop on SIGTERM");
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void A_workflow_with_a_dangling_queue_is_not_run_and_the_message_says_which()
    {
        var config = CopyExample();
        File.WriteAllText(Path.Combine(config, "taxonomy-expert.yaml"),
            File.ReadAllText(Path.Combine(config, "taxonomy-expert.yaml")).Replace("output: memory:classified", "output: memory:clasified"));
        var result = _intelmq.Run("", "workflow", "run", _intelmq.Home);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("taxonomy-expert.yaml", result.Stderr);
        Assert.Contains("not run", result.Stderr);
        Assert.False(File.Exists(_intelmq.PathOf("var/events.jsonl")));
    }
}
