using System.Diagnostics;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Cli;

/// <summary>Loss and crash paths found in review, each tried as an operator would.</summary>
public sealed class HardeningTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    static string Sample(string name) => File.ReadAllText(Path.Combine(Paths.Repo, "examples", "shadowserver", name));

    [Theory]
    [InlineData("feedname=Accessible-SMBv2", "'feedname'")]
    [InlineData("schema=/nonexistent.json", "'schema'")]
    public void A_bad_option_value_is_a_refusal_naming_the_option_not_a_crash(string set, string named)
    {
        var run = _intelmq.Run("", "run", "shadowserver-parser", "--set", set);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(named, run.Stderr);
        Assert.DoesNotContain("Exception", run.Stderr);
    }

    [Fact]
    public void An_unwritable_output_file_is_refused_and_workers_are_not_started_in_a_loop()
    {
        var run = _intelmq.Run("", "run", "file-output", "--set", "path=/proc/no/such/events.jsonl");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'path'", run.Stderr);

        var workers = _intelmq.Run("", "run", "file-output", "--set", "path=/proc/no/such/events.jsonl", "--processes", "2", "--input", $"sqlite:{_intelmq.PathOf("q.db")}?queue=in");
        Assert.Equal(2, workers.ExitCode);
        Assert.DoesNotContain("supervising", workers.Stderr);
    }

    [Fact]
    public void A_file_input_cannot_be_shared_by_several_processes()
    {
        File.WriteAllText(_intelmq.PathOf("in.jsonl"), "{}\n");
        var run = _intelmq.Run("", "run", "taxonomy-expert", "--processes", "2", "--input", $"file:{_intelmq.PathOf("in.jsonl")}");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cannot be shared", run.Stderr);
    }

    [Fact]
    public void An_output_path_name_with_a_typo_is_refused_with_a_suggestion()
    {
        var run = _intelmq.Run("{}\n", "run", "taxonomy-expert", "--output", "_defualt=stdout:");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Did you mean '_default'", run.Stderr);
    }

    [Theory]
    [InlineData("--batch-size", "3.7", "must be an integer")]
    [InlineData("--batch-size", "0", "outside 1..")]
    [InlineData("--on-error", "sometimes", "one of dump | retry | stop")]
    public void A_run_setting_that_cannot_be_bound_is_refused(string flag, string value, string message)
    {
        var run = _intelmq.Run("", "run", "taxonomy-expert", flag, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Run_settings_are_configuration_keys_too_and_intelmq_parameters_we_do_not_implement_are_named()
    {
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "batch_size: 3.5\n");
        Assert.Equal(2, _intelmq.Run("", "run", "taxonomy-expert", "--config", _intelmq.PathOf("p.yaml")).ExitCode);
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "parameters:\n  batch_size: 2\n  logging_path: /var/log/intelmq\n  raw: true\n");
        var flagOnly = _intelmq.Run("", "run", "taxonomy-expert", "--config", _intelmq.PathOf("p.yaml"));
        Assert.Equal(2, flagOnly.ExitCode);
        Assert.Contains("command-line flag (--raw)", flagOnly.Stderr);
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "parameters:\n  batch_size: 2\n  logging_path: /var/log/intelmq\n");
        var run = _intelmq.Run("""{"classification": {"type": "scanner"}}""" + "\n", "run", "taxonomy-expert", "--config", _intelmq.PathOf("p.yaml"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("'logging_path' is not implemented; use logs go to standard error", run.Stderr);
    }

    [Fact]
    public void A_raw_report_interrupted_by_a_signal_hands_on_what_it_made_and_exits_130_without_dumping_itself()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = _intelmq.Home };
        foreach (var arg in new[] { Paths.IntelMQDll, "run", "shadowserver-parser", "--raw", "--set", "file_name=2024-05-01-scan_smb-geo.csv",
                     "--output", $"file:{_intelmq.PathOf("events.jsonl")}?format=ndjson" })
            start.ArgumentList.Add(arg);
        start.Environment["INTELMQ_HOME"] = _intelmq.Home;
        using var process = Process.Start(start)!;
        // What the run said, for the failure message: it once did not stop under the full suite's load.
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var sample = Sample("2024-05-01-scan_smb-geo.csv").Split('\n');
        process.StandardInput.Write(string.Join('\n', sample.Take(4)) + "\n"); // the header and three good rows; the pipe stays open
        process.StandardInput.Flush();
        var events = _intelmq.PathOf("events.jsonl");
        for (var i = 0; i < 600 && (!File.Exists(events) || File.ReadAllLines(events).Length < 3); i++) Thread.Sleep(50);
        Assert.Equal(3, File.ReadAllLines(events).Length); // handed on while the pipe was idle, before any signal
        Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
        Assert.True(process.WaitForExit(30_000), $"the run did not stop on SIGINT; it wrote:\n{stderr}");
        Assert.Equal(130, process.ExitCode);
        Assert.Equal(3, File.ReadAllLines(events).Length);
        Assert.False(File.Exists(Path.Combine(_intelmq.Home, "var", "dump", "shadowserver-parser.jsonl")), "a run's own cancellation is not a failure");
    }

    [Fact]
    public void A_raw_report_from_a_file_names_the_file_in_the_dump_so_it_can_be_fed_again()
    {
        File.WriteAllText(_intelmq.PathOf("report.csv"), Sample("2024-05-01-scan_smb-geo.csv"));
        var start = new ProcessStartInfo("bash", ["-c", $"dotnet '{Paths.IntelMQDll}' run shadowserver-parser --raw --set file_name=nonsense.txt --dump dump.jsonl < report.csv"])
        {
            WorkingDirectory = _intelmq.Home, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["INTELMQ_HOME"] = _intelmq.Home;
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(1, process.ExitCode);
        var dump = File.ReadAllText(_intelmq.PathOf("dump.jsonl"));
        Assert.Contains($"\"input\":\"{_intelmq.PathOf("report.csv")}\"", dump);
    }

    [Fact]
    public void A_daemon_waiting_for_a_second_output_does_not_pile_up_connections_to_the_first()
    {
        using var redis = RedisServer.Start();
        var first = $"redis://127.0.0.1:{redis.Required().Port}/0?queue=out";
        var down = $"redis://127.0.0.1:{RedisServer.FreePort()}/0?queue=out";
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--input", $"sqlite:{_intelmq.PathOf("q.db")}?queue=in", "--output", first, "--output", down);
        Thread.Sleep(8_000); // the daemon retries opening its outputs with backoff meanwhile (1 s, 2 s, 4 s)
        using var cli = Process.Start(new ProcessStartInfo("redis-cli", ["-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "info", "clients"]) { RedirectStandardOutput = true })!;
        var info = cli.StandardOutput.ReadToEnd();
        var clients = int.Parse(info.Split('\n').First(l => l.StartsWith("connected_clients:", StringComparison.Ordinal))["connected_clients:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        daemon.Kill();
        Assert.InRange(clients, 1, 3); // redis-cli itself, and at most the connection the daemon holds now
    }
}
