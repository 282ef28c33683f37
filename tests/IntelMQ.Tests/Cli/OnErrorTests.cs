using System.Text;
using System.Text.Json.Nodes;

namespace IntelMQ.Tests.Cli;

/// <summary>
/// on_error: what a program does when processing a message throws. The failing message here is a report the
/// Shadowserver parser refuses (its report type cannot be determined), a real failure of the program.
/// </summary>
public sealed class OnErrorTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    // A report whose feed is not Shadowserver's and which has no file name: the parser cannot tell its report type.
    static readonly string Unparseable = $"{{\"__type\": \"Report\", \"feed.name\": \"Other Feed\", \"raw\": \"{Convert.ToBase64String(Encoding.UTF8.GetBytes("\"ip\"\n\"192.0.2.1\"\n"))}\"}}\n";

    public void Dispose() => _intelmq.Dispose();

    string[] Parser(params string[] more) => ["run", "shadowserver-parser", "--dump", _intelmq.PathOf("dump.jsonl"), .. more];

    int Dumped => File.Exists(_intelmq.PathOf("dump.jsonl")) ? File.ReadAllLines(_intelmq.PathOf("dump.jsonl")).Length : 0;

    [Fact]
    public void Dump_is_the_default_the_message_is_dumped_and_the_run_goes_on()
    {
        var run = _intelmq.Run(Unparseable + Unparseable, Parser());
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(2, Dumped);
        Assert.Contains("No report type", (string)JsonNode.Parse(File.ReadAllLines(_intelmq.PathOf("dump.jsonl"))[0])!["error"]!);
    }

    [Fact]
    public void Retry_tries_again_with_backoff_then_dumps()
    {
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "on_error: retry\nretries: 2\nerror_retry_delay: 0.05\n");
        var run = _intelmq.Run(Unparseable, Parser("--config", _intelmq.PathOf("p.yaml")));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(2, run.Stderr.Split("retrying in").Length - 1);
        Assert.Equal(1, Dumped);
    }

    [Fact]
    public async Task Stop_exits_3_and_leaves_the_message_unacknowledged_on_its_queue()
    {
        var queue = $"sqlite:{_intelmq.PathOf("q.db")}?queue=reports";
        await using (var output = IntelMQ.Cli.Channels.Catalog.OpenOutput(queue, new("test", 0, TextWriter.Null)))
            await output.SendAsync([Encoding.UTF8.GetBytes(Unparseable.Trim())], TestContext.Current.CancellationToken);

        var stopped = _intelmq.Run("", Parser("--input", queue, "--on-error", "stop"));
        Assert.Equal(3, stopped.ExitCode);
        Assert.Contains("on_error: stop", stopped.Stderr);
        Assert.Equal(0, Dumped);

        // IntelMQ's own name for it, from a runtime.yaml entry, means the same; the message is still there.
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "parameters:\n  error_procedure: stop\n");
        Assert.Equal(3, _intelmq.Run("", Parser("--input", queue, "--config", _intelmq.PathOf("p.yaml"))).ExitCode);

        // After the fix (here: dumping instead), the same message is delivered again.
        Assert.Equal(1, _intelmq.Run("", Parser("--input", queue)).ExitCode);
        Assert.Equal(1, Dumped);
        Assert.Contains("\t0\t", _intelmq.Run("", "queue", "depth", queue).Stdout);
    }

    [Fact]
    public void The_command_line_wins_over_the_config_and_bad_values_are_refused()
    {
        File.WriteAllText(_intelmq.PathOf("p.yaml"), "on_error: stop\n");
        Assert.Equal(1, _intelmq.Run(Unparseable, Parser("--config", _intelmq.PathOf("p.yaml"), "--on-error", "dump")).ExitCode);

        File.WriteAllText(_intelmq.PathOf("bad.yaml"), "error_procedure: sometimes\n");
        var refused = _intelmq.Run(Unparseable, Parser("--config", _intelmq.PathOf("bad.yaml")));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("not one of pass, stop", refused.Stderr);
    }
}
