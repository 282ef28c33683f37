using System.Diagnostics;
using System.Text;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// A collector daemon killed with SIGKILL between taking a message and handing it on: its Redis output goes away
/// after a first message went through, the next message cannot be handed on, the daemon is killed while it retries,
/// the output comes back and the collector is started again.
/// </summary>
public sealed class CollectorCrash(IntelMQCommand intelmq, string[] collector) : IDisposable
{
    const string Queue = "reports";
    readonly int _port = RedisServer.FreePort();
    readonly StringBuilder _log = new();
    RedisServer? _output;
    Process? _daemon;

    /// <summary>The output after the restart: what the restarted collector handed on.</summary>
    public RedisServer Output => _output ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the daemon, and once <paramref name="warmUp"/>'s message is through, stops the output.</summary>
    public async Task StartAsync(Func<Task> warmUp, CancellationToken ct)
    {
        _output = RedisServer.StartOn(_port).Required();
        _daemon = Start();
        await warmUp();
        await Eventually.WaitForAsync("the first message handed on", async () => await _output.Client.ListLengthAsync(Queue) == 1, ct);
        _output.Dispose();
        _output = null;
    }

    /// <summary>Delivers a message, waits until the daemon fails to hand it on, kills it, brings the output back and starts the collector again.</summary>
    /// <param name="killed">Runs once the daemon is dead and before it starts again: to see what it left behind.</param>
    public async Task KillWhileHandingOnAsync(Func<Task> deliver, CancellationToken ct, Func<Task>? killed = null)
    {
        await deliver();
        await Eventually.WaitForAsync("the collector retrying to hand on", () => Log.Contains("cannot hand", StringComparison.Ordinal), ct);
        _daemon!.Kill(); // SIGKILL
        await _daemon.WaitForExitAsync(ct);
        _daemon.Dispose();
        if (killed is not null) await killed();
        _output = RedisServer.StartOn(_port).Required();
        _daemon = Start();
    }

    /// <summary>The reports in the output once <paramref name="count"/> arrived and the daemon stopped (SIGTERM).</summary>
    public async Task<List<string>> ReportsAsync(int count, CancellationToken ct)
    {
        await Eventually.WaitForAsync($"{count} report(s) in the output", async () => await Output.Client.ListLengthAsync(Queue) >= count, ct);
        Assert.True(Eventually.Terminate(_daemon!), "the collector did not stop on SIGTERM");
        var messages = await Output.Client.ListRangeAsync(Queue);
        return [.. messages.Reverse().Select(m => (string)m!)];
    }

    string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    Process Start()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = intelmq.Home };
        foreach (var a in (string[])[Paths.IntelMQDll, .. collector, "--daemon", "--set", "rate_limit=1", "--output", $"redis://127.0.0.1:{_port}/0?queue={Queue}"])
            start.ArgumentList.Add(a);
        start.Environment["INTELMQ_HOME"] = intelmq.Home;
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    public override string ToString() => Log;

    public void Dispose()
    {
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }
        _daemon?.Dispose();
        _output?.Dispose();
    }
}
