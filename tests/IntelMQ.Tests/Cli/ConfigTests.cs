using System.Text.Json.Nodes;

namespace IntelMQ.Tests.Cli;

/// <summary><c>intelmq configtest</c>, <c>config render</c> and <c>intelmq run ID</c> on $INTELMQ_HOME/etc/config.d.</summary>
public sealed class ConfigTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string ConfigDir => Directory.CreateDirectory(_intelmq.PathOf("etc/config.d")).FullName;

    void Write(string id, string yaml) => File.WriteAllText(Path.Combine(ConfigDir, id + ".yaml"), yaml);

    [Fact]
    public void Configtest_exits_1_naming_each_file_line_and_fix()
    {
        Write("good", "program: taxonomy-expert\n");
        Write("typo", "program: file-output\noptions:\n  fsnyc: true\n");
        var result = _intelmq.Run("", "configtest");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("typo.yaml:3: ", result.Stdout);
        Assert.Contains("Did you mean 'fsync'?", result.Stdout);
        Assert.DoesNotContain("good.yaml", result.Stdout);
        Assert.Contains("2 instances", result.Stdout);
    }

    [Fact]
    public void Configtest_exits_0_when_every_file_is_usable()
    {
        Write("taxonomy-expert", "program: taxonomy-expert\ninput: sqlite:q.db?queue=a\noutput: sqlite:q.db?queue=b\n");
        var result = _intelmq.Run("", "configtest");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("OK", result.Stdout);
    }

    [Fact]
    public void Render_resolves_templates_and_masks_secrets()
    {
        File.WriteAllText(_intelmq.PathOf("redis-password"), "hunter2\n");
        Write("expert", """
            program: taxonomy-expert
            input: redis://:{{ "../../redis-password" | file }}@localhost:6379/2?queue={{ env.QUEUE | default: "expert-queue" }}
            batch_size: {{ env.BATCH }}
            """);
        _intelmq.Environment["BATCH"] = "50";
        var result = _intelmq.Run("", "config", "render", "expert");
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("hunter2", result.Stdout + result.Stderr);
        Assert.Contains("input: redis://:***@localhost:6379/2?queue=expert-queue", result.Stdout);
        Assert.Contains("batch_size: 50", result.Stdout);
    }

    [Fact]
    public void Run_ID_runs_the_instance_from_its_file_and_the_command_line_wins()
    {
        Write("classify", "program: taxonomy-expert\nrun_mode: once\ninput: file:in.jsonl\noutput: file:out.jsonl?format=ndjson\n");
        File.WriteAllText(_intelmq.PathOf("in.jsonl"), """{"classification": {"type": "infected-system"}}""" + "\n");
        var result = _intelmq.Run("", "run", "classify");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("classify: 1 message", result.Stderr);
        var ev = JsonNode.Parse(File.ReadAllLines(_intelmq.PathOf("out.jsonl")).Single())!;
        Assert.Equal("malicious-code", (string)ev["classification"]!["taxonomy"]!);
        var overridden = _intelmq.Run("", "run", "classify", "--output", "stdout:");
        Assert.Contains("malicious-code", overridden.Stdout);
    }

    [Fact]
    public void Run_ID_refuses_a_file_with_errors_naming_the_line()
    {
        Write("classify", "program: taxonomy-expert\nbatch_size: lots\n");
        var result = _intelmq.Run("", "run", "classify");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("classify.yaml:2:", result.Stderr);
    }

    [Fact]
    public void The_example_workflow_passes_every_check_and_runs_as_a_workflow()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Paths.Repo, "examples", "workflow", "etc", "config.d")))
            File.Copy(file, Path.Combine(ConfigDir, Path.GetFileName(file)));
        var inbox = Directory.CreateDirectory(_intelmq.PathOf("inbox")).FullName;
        File.Copy(Path.Combine(Paths.Repo, "examples", "shadowserver", "2024-05-01-scan_smb-geo.csv"), Path.Combine(inbox, "2024-05-01-scan_smb-geo.csv"));
        _intelmq.Environment["INTELMQ_INBOX"] = inbox;
        foreach (var check in new[] { "configtest", "connectiontest", "fieldcheck" })
            Assert.Equal(0, _intelmq.Run("", check).ExitCode);
        // Its programs are joined by in-memory queues: they run in one process.
        Assert.Equal(0, _intelmq.Run("", "workflow", "run").ExitCode);
        var events = File.ReadAllLines(_intelmq.PathOf("var/events.jsonl"));
        Assert.Equal(12, events.Length);
        Assert.All(events, e => Assert.Equal("vulnerable", (string)JsonNode.Parse(e)!["classification"]!["taxonomy"]!));
    }

    [Fact]
    public void The_checks_and_render_read_a_workflow_home_given_with_dir_as_a_run_sees_it()
    {
        var home = Directory.CreateTempSubdirectory("intelmq-home-").FullName;
        try
        {
            var config = Directory.CreateDirectory(Path.Combine(home, "etc", "config.d")).FullName;
            File.WriteAllText(Path.Combine(config, "classify.yaml"), "program: taxonomy-expert\ninput: file:in.jsonl\noutput: file:{{ env.INTELMQ_HOME }}/out.jsonl\n");
            foreach (var check in new[] { "configtest", "connectiontest", "fieldcheck" })
            {
                var result = _intelmq.Run("", check, "--dir", home);
                Assert.Equal(0, result.ExitCode);
                Assert.Contains($"1 instance in {config}: OK", result.Stdout);
            }
            // INTELMQ_HOME is the workflow's home, as `intelmq start --dir` and `workflow run` make it.
            Assert.Contains($"- file:{home}/out.jsonl", _intelmq.Run("", "config", "render", "--dir", home).Stdout);
        }
        finally { Directory.Delete(home, recursive: true); }
    }

    [Fact]
    public void Connectiontest_live_names_an_unreachable_server()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var queue = $"redis://127.0.0.1:{port}/2?queue=output-queue";
        Write("classify", $"program: taxonomy-expert\ninput: file:in.jsonl\noutput: {queue}\n");
        Write("output", $"program: file-output\ninput: {queue}\noptions:\n  path: events.jsonl\n");
        Assert.Equal(0, _intelmq.Run("", "connectiontest").ExitCode);
        var live = _intelmq.Run("", "connectiontest", "--live");
        Assert.Equal(1, live.ExitCode);
        Assert.Contains($"output.yaml:2: output: cannot reach its input redis://127.0.0.1:{port}/2?queue=output-queue", live.Stdout);
        Assert.Contains("classify.yaml:3: classify: cannot reach its output", live.Stdout);
    }
}
