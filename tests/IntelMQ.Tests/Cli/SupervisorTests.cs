using System.Text;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Cli;

/// <summary><c>--processes N</c>: the supervisor restarts a worker that dies, and the work goes on.</summary>
public sealed class SupervisorTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    static readonly ChannelContext Context = new("supervisor-test", 0, TextWriter.Null);

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_is_restarted_and_every_message_arrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = $"sqlite:{_intelmq.PathOf("q.db")}?queue=in&lease_ms=2000";
        var output = $"sqlite:{_intelmq.PathOf("q.db")}?queue=out&format=ndjson"; // an event per message
        await using var producer = IntelMQ.Cli.Channels.Catalog.OpenOutput(input, Context);
        await using var reader = IntelMQ.Cli.Channels.Catalog.OpenInput(output, Context);
        using var supervisor = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--processes", "2", "--batch-size", "10", "--input", input, "--output", output);
        try
        {
            var first = await WaitForAsync("two workers start", () => Children(supervisor.Id) is { Count: 2 } c ? c : null, ct);
            await SendAsync(producer, 0, 100, ct);
            var seen = new HashSet<int>();
            await WaitForAsync("the first 100 messages arrive", () => ReadAsync(reader, seen, ct).Result >= 100 ? seen : null, ct);

            Signal(first[0], 9);
            // Restarted after a backoff of a second, under a new process id.
            var second = await WaitForAsync("the killed worker is restarted", () => Children(supervisor.Id) is { Count: 2 } c && !c.Contains(first[0]) ? c : null, ct);
            Assert.Contains(first[1], second);
            await SendAsync(producer, 100, 200, ct);
            await WaitForAsync("all 200 messages arrive", () => ReadAsync(reader, seen, ct).Result >= 200 ? seen : null, ct);
            Assert.Equal(Enumerable.Range(0, 200), seen.Order());

            Signal(supervisor.Id, 15);
            await supervisor.WaitForExitAsync(ct);
            Assert.Equal(0, supervisor.ExitCode);
            Assert.Empty(Children(supervisor.Id));
        }
        finally
        {
            if (!supervisor.HasExited) supervisor.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Workers_stop_when_their_supervisor_is_killed()
    {
        var ct = TestContext.Current.CancellationToken;
        var input = $"sqlite:{_intelmq.PathOf("q.db")}?queue=in";
        using var supervisor = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--processes", "2", "--input", input, "--output", $"sqlite:{_intelmq.PathOf("q.db")}?queue=out");
        try
        {
            var workers = await WaitForAsync("two workers start", () => Children(supervisor.Id) is { Count: 2 } c ? c : null, ct);
            Signal(supervisor.Id, 9);
            await WaitForAsync("the workers stop", () => workers.All(w => !Directory.Exists($"/proc/{w}") || File.ReadAllText($"/proc/{w}/stat").Contains(") Z ")) ? workers : null, ct);
        }
        finally
        {
            if (!supervisor.HasExited) supervisor.Kill(entireProcessTree: true);
        }
    }

    static async Task SendAsync(IOutputChannel producer, int from, int to, CancellationToken ct) =>
        await producer.SendAsync([.. Enumerable.Range(from, to - from).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"custom\": {{\"n\": {i}}}}}"))], ct);

    static async Task<int> ReadAsync(IInputChannel reader, HashSet<int> seen, CancellationToken ct)
    {
        var batch = await reader.ReceiveAsync(500, TimeSpan.FromMilliseconds(100), ct);
        foreach (var delivery in batch ?? [])
        {
            var text = Encoding.UTF8.GetString(delivery.Body.Span);
            var at = text.IndexOf("\"n\":", StringComparison.Ordinal) + 4;
            seen.Add(int.Parse(text[at..].TrimStart().Split(['}', ','])[0], System.Globalization.CultureInfo.InvariantCulture));
        }
        if (batch is { Count: > 0 }) await reader.AckAsync(batch, ct);
        return seen.Count;
    }

    static async Task<T> WaitForAsync<T>(string what, Func<T?> probe, CancellationToken ct) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found) return found;
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"not within 60 s: {what}");
    }

    // The supervisor's worker processes, from /proc (Linux): each thread lists the children it started.
    static List<int> Children(int pid)
    {
        try
        {
            return [.. Directory.GetDirectories($"/proc/{pid}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse).Order()];
        }
        catch (IOException) { return []; } // the process or one of its threads ended meanwhile
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Signal(int pid, int signal);
}
