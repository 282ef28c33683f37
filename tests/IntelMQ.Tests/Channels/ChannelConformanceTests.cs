using System.Diagnostics;
using System.Text;
using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>
/// The conformance suite every durable transport passes against a real server: batches, acknowledgement,
/// redelivery of what was not acknowledged, competing consumers, and at-least-once delivery through an expert
/// daemon that is killed with SIGKILL several times.
/// </summary>
public abstract class ChannelConformanceTests
{
    protected static readonly ChannelContext Context = new("conformance", 0, TextWriter.Null);

    /// <summary>The channels under test, as the intelmq command sees them.</summary>
    protected static ChannelCatalog Catalog => IntelMQ.Cli.Channels.Catalog;

    /// <summary>A URI for a new, empty queue (or topic, stream) named after <paramref name="name"/>.</summary>
    protected abstract string Address(string name);

    /// <summary>The same queue as seen by another consumer of the group (for transports that name consumers in the URI).</summary>
    protected virtual string SecondConsumer(string address) => address;

    protected virtual TimeSpan Wait => TimeSpan.FromSeconds(2);

    static ReadOnlyMemory<byte> Message(int n) => Encoding.UTF8.GetBytes($$"""{"__type": "Event", "classification.type": "test", "extra.n": {{n}}}""");

    static IEnumerable<long> Numbers(Delivery d) => EventJson.Read(d.Body.Span).Select(e => (long)e["custom.n"]!);

    protected async Task SendAsync(string address, int from, int count, CancellationToken ct)
    {
        await using var output = Catalog.OpenOutput(address, Context);
        for (var i = from; i < from + count; i += 500)
            await output.SendAsync(Enumerable.Range(i, Math.Min(500, from + count - i)).Select(Message).ToList(), ct);
    }

    protected async Task<List<long>> DrainAsync(string address, CancellationToken ct, int expected = int.MaxValue)
    {
        var seen = new List<long>();
        await using var input = Catalog.OpenInput(address, Context);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < expected && DateTime.UtcNow < deadline)
        {
            var batch = await input.ReceiveAsync(500, Wait, ct);
            if (batch is null || batch.Count == 0) break;
            seen.AddRange(batch.SelectMany(Numbers));
            await input.AckAsync(batch, ct);
        }
        return seen;
    }

    [Fact]
    public async Task Messages_arrive_in_batches_and_acknowledged_ones_are_gone()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("batches");
        await SendAsync(address, 0, 1200, ct);
        await using (var input = Catalog.OpenInput(address, Context))
        {
            var first = await input.ReceiveAsync(500, Wait, ct);
            Assert.NotNull(first);
            Assert.InRange(first.Count, 1, 500);
            await input.AckAsync(first, ct);
            var rest = new List<long>(first.SelectMany(Numbers));
            while (rest.Count < 1200 && await input.ReceiveAsync(500, Wait, ct) is { Count: > 0 } batch)
            {
                rest.AddRange(batch.SelectMany(Numbers));
                await input.AckAsync(batch, ct);
            }
            Assert.Equal(Enumerable.Range(0, 1200).Select(i => (long)i), rest.Order());
        }
        Assert.Empty(await DrainAsync(address, ct));
    }

    [Fact]
    public async Task Unacknowledged_messages_are_delivered_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("redeliver");
        await SendAsync(address, 0, 10, ct);
        await using (var input = Catalog.OpenInput(address, Context))
        {
            var batch = await input.ReceiveAsync(10, Wait, ct);
            Assert.Equal(10, batch!.Count);
            // closed without acknowledging, as a crash would
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), (await DrainAsync(address, ct, 10)).Order());
    }

    [Fact]
    public async Task Two_consumers_share_the_input_and_each_message_goes_to_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("compete");
        await SendAsync(address, 0, 2000, ct);
        await using var a = Catalog.OpenInput(address, Context);
        await using var b = Catalog.OpenInput(SecondConsumer(address), Context with { WorkerId = 1 });
        var seenA = new List<long>();
        var seenB = new List<long>();
        async Task Consume(IInputChannel input, List<long> seen)
        {
            while (await input.ReceiveAsync(100, Wait, ct) is { Count: > 0 } batch)
            {
                seen.AddRange(batch.SelectMany(Numbers));
                await input.AckAsync(batch, ct);
                await Task.Delay(1, ct);
            }
        }
        await Task.WhenAll(Consume(a, seenA), Consume(b, seenB));
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), seenA.Concat(seenB).Order());
        Assert.NotEmpty(seenA);
        Assert.NotEmpty(seenB);
    }

    [Fact]
    public async Task Expert_daemon_killed_with_SIGKILL_loses_nothing()
    {
        var (missing, _) = await CrashTestAsync(10_000, 4, TestContext.Current.TestOutputHelper!);
        Assert.Equal(0, missing);
    }

    [Fact]
    public async Task Two_worker_processes_share_the_input()
    {
        var (missing, _) = await CrashTestAsync(10_000, 1, TestContext.Current.TestOutputHelper!, processes: 2);
        Assert.Equal(0, missing);
    }

    /// <summary>
    /// Feeds N events through a taxonomy-expert daemon and SIGKILLs it several times at random moments while it is working
    /// (each when the output has grown by a random part of another share of N, so that it lands mid-stream); every id must arrive.
    /// </summary>
    protected async Task<(int Missing, int Duplicates)> CrashTestAsync(int n, int kills, ITestOutputHelper output, int processes = 1)
    {
        var ct = TestContext.Current.CancellationToken;
        var input = Address("crash-in");
        var outputAddress = Address("crash-out");
        await SendAsync(input, 0, n, ct);
        using var home = new IntelMQCommand();
        // Small batches keep the daemon busy for a while, so the kills land in the middle of the work.
        string[] args = ["run", "taxonomy-expert", "--daemon", "--input", input, "--output", outputAddress, "--batch-size", "10", "--processes", processes.ToString()];
        var seen = new List<long>();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var checker = Task.Run(async () =>
        {
            await using var reader = Catalog.OpenInput(outputAddress, Context with { ProgramId = "checker" });
            while (!reading.IsCancellationRequested)
            {
                var batch = await reader.ReceiveAsync(500, TimeSpan.FromMilliseconds(200), reading.Token);
                if (batch is not { Count: > 0 }) continue;
                lock (seen) seen.AddRange(batch.SelectMany(Numbers));
                await reader.AckAsync(batch, reading.Token);
            }
        }, ct);
        int Seen() { lock (seen) return seen.Count; }
        // Random moments, reproducible from the seed in the test's output.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"kill moments from seed {seed}");
        for (var k = 0; k < kills; k++)
        {
            using var daemon = home.Start(args);
            var target = (int)((k + 0.5 + random.NextDouble()) * n / (kills + 2));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            try
            {
                while (Seen() < target && DateTime.UtcNow < deadline && !daemon.HasExited) await Task.Delay(5, ct);
                await Task.Delay(random.Next(20), ct);
            }
            finally
            {
                KillTree(daemon);
            }
            output.WriteLine($"kill {k + 1}: SIGKILL with {Seen()} of {n} events through");
        }
        using (var last = home.Start(args))
        {
            var started = DateTime.UtcNow;
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (DateTime.UtcNow < deadline)
                {
                    lock (seen) if (seen.Distinct().Count() >= n) break;
                    await Task.Delay(100, ct);
                }
                // A signal before the daemon has installed its handlers would end it with 143, not the clean stop this checks.
                var settle = TimeSpan.FromSeconds(3) - (DateTime.UtcNow - started);
                if (settle > TimeSpan.Zero) await Task.Delay(settle, ct);
                Signal(last.Id, 15);
                using var exit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                exit.CancelAfter(TimeSpan.FromSeconds(30));
                await last.WaitForExitAsync(exit.Token);
                Assert.Equal(0, last.ExitCode);
            }
            finally
            {
                if (!last.HasExited) KillTree(last);
            }
        }
        await Task.Delay(500, ct);
        reading.Cancel();
        try { await checker; } catch (OperationCanceledException) { }
        lock (seen)
        {
            var distinct = seen.Distinct().Count();
            output.WriteLine($"{n} sent, {distinct} distinct arrived, {seen.Count - distinct} duplicates (at-least-once redelivery after the kills)");
            return (n - seen.Where(x => x >= 0 && x < n).Distinct().Count(), seen.Count - distinct);
        }
    }

    static void KillTree(Process process)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Signal(int pid, int signal);
}
