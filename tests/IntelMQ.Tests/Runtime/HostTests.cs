using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using OutputPaths = IntelMQ.Contract.Paths;

namespace IntelMQ.Tests.Runtime;

/// <summary>The host's pipeline around each form of the contract, between in-process queues.</summary>
public sealed class HostTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-host-").FullName;
    readonly string _queue = "host-" + Guid.NewGuid().ToString("N");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string DumpPath => Path.Combine(_dir, "dump.jsonl");

    List<JsonNode> Dumped => File.Exists(DumpPath) ? File.ReadAllLines(DumpPath).Select(l => JsonNode.Parse(l)!).ToList() : [];

    static string Ev(int n) => "{\"source\": {\"port\": " + n + "}, \"classification\": {\"type\": \"scanner\"}}";

    async Task<RunSummary> Run<TProgram>(IEnumerable<string> messages, Dictionary<string, IReadOnlyList<string>>? outputs = null, Func<HostOptions, HostOptions>? change = null)
    {
        var input = IntelMQ.Cli.Channels.Catalog.OpenOutput($"memory:{_queue}-in", new ChannelContext("test", 0, TextWriter.Null));
        await input.SendAsync(messages.Select(m => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(m)).ToList(), CancellationToken.None);
        var options = new HostOptions
        {
            Program = new ProgramInfo(typeof(TProgram)),
            ProgramId = "test",
            Input = $"memory:{_queue}-in",
            Outputs = outputs ?? new Dictionary<string, IReadOnlyList<string>> { [OutputPaths.Default] = [$"memory:{_queue}-out?format=ndjson"] },
            DumpPath = DumpPath,
            IdleWait = TimeSpan.FromMilliseconds(200),
            RetryDelay = TimeSpan.FromMilliseconds(1),
            Context = new ProgramContext { Id = "test", Producer = "test" },
        };
        var host = new ProgramHost(change?.Invoke(options) ?? options, IntelMQ.Cli.Channels.Catalog, new ChannelContext("test", 0, TextWriter.Null));
        try { return await host.RunAsync(CancellationToken.None, CancellationToken.None); }
        finally { await host.DisposeAsync(); }
    }

    async Task<List<int>> Ports(string queue)
    {
        await using var output = IntelMQ.Cli.Channels.Catalog.OpenInput($"memory:{queue}", new ChannelContext("test", 0, TextWriter.Null));
        var ports = new List<int>();
        while (await output.ReceiveAsync(1000, TimeSpan.FromMilliseconds(50), CancellationToken.None) is { Count: > 0 } batch)
            ports.AddRange(batch.SelectMany(d => EventJson.Read(d.Body.Span)).Select(e => Convert.ToInt32(e["source.port"])));
        return ports;
    }

    [Fact]
    public async Task A_batched_output_dumps_only_the_event_it_refused_and_rewrites_those_to_retry()
    {
        RecordingOutput.Reset();
        var summary = await Run<RecordingOutput>(Enumerable.Range(1, 10).Select(Ev));
        Assert.Equal(9, summary.Events);
        Assert.Equal([1, 2, 4, 5, 6, 7, 8, 9, 10, 5], RecordingOutput.Written); // 5 asked to be retried once
        var dumped = Assert.Single(Dumped);
        Assert.Contains("port 3 is not welcome", (string)dumped["error"]!);
        Assert.Contains("\"port\": 3", (string)dumped["content"]!);
    }

    [Fact]
    public async Task A_transient_output_failure_is_retried_and_nothing_is_dumped()
    {
        FlakyOutput.Failures = 2;
        var summary = await Run<FlakyOutput>(Enumerable.Range(1, 5).Select(Ev));
        Assert.Equal(5, summary.Events);
        Assert.Empty(Dumped);
        Assert.Equal(0, FlakyOutput.Failures);
    }

    [Fact]
    public async Task A_batch_an_output_rejects_as_a_whole_is_written_event_by_event_to_find_the_bad_one()
    {
        var summary = await Run<PickyOutput>(Enumerable.Range(1, 6).Select(Ev));
        Assert.Equal(5, summary.Events);
        var dumped = Assert.Single(Dumped);
        Assert.Contains("cannot store port 4", (string)dumped["error"]!);
    }

    [Fact]
    public async Task An_asynchronous_expert_looks_up_concurrently_and_keeps_the_order()
    {
        SlowExpert.Reset();
        var summary = await Run<SlowExpert>(Enumerable.Range(1, 40).Select(Ev), change: o => o with { Concurrency = 8 });
        Assert.Equal(40, summary.Events);
        Assert.InRange(SlowExpert.MaxConcurrent, 2, 8);
        Assert.Equal(Enumerable.Range(1, 40), await Ports($"{_queue}-out"));
    }

    [Fact]
    public async Task An_asynchronous_lookup_that_times_out_is_retried_not_dumped()
    {
        SlowExpert.Reset();
        SlowExpert.HangFirst = true;
        var summary = await Run<SlowExpert>([Ev(1)], change: o => o with { Timeout = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(1, summary.Events);
        Assert.Empty(Dumped);
    }

    [Fact]
    public async Task Drops_are_counted_and_go_to_the_drop_path_when_there_is_one()
    {
        var outputs = new Dictionary<string, IReadOnlyList<string>>
        {
            [OutputPaths.Default] = [$"memory:{_queue}-out?format=ndjson"],
            ["dropped"] = [$"memory:{_queue}-dropped?format=ndjson"],
        };
        var summary = await Run<OddFilter>(Enumerable.Range(1, 6).Select(Ev), outputs, o => o with { DropPath = "dropped" });
        Assert.Equal(3, summary.Dropped);
        Assert.Equal([2, 4, 6], await Ports($"{_queue}-out"));
        Assert.Equal([1, 3, 5], await Ports($"{_queue}-dropped"));

        var counted = await Run<OddFilter>(Enumerable.Range(1, 6).Select(Ev));
        Assert.Equal(3, counted.Dropped);
        Assert.Equal(3, counted.Events);
    }

    [Fact]
    public async Task An_output_path_the_program_never_emits_is_refused_with_a_suggestion()
    {
        var outputs = new Dictionary<string, IReadOnlyList<string>> { ["_defualt"] = [$"memory:{_queue}-out"] };
        var refused = await Assert.ThrowsAsync<ConfigurationException>(() => Run<OddFilter>([Ev(1)], outputs));
        Assert.Contains("Did you mean '_default'", refused.Message);
    }

    [Fact]
    public async Task One_bad_event_of_a_packet_is_dumped_alone()
    {
        var packet = """{"meta": {"producer": "x", "created": "2024-05-01T00:00:00Z"}, "data": [""" + string.Join(",", Enumerable.Range(1, 5).Select(Ev)) + "]}";
        var summary = await Run<OddFilter>([packet.Replace("\"port\": 3}", "\"port\": 3}, \"custom\": {\"fail\": \"yes\"}", StringComparison.Ordinal)]);
        var dumped = Assert.Single(Dumped);
        Assert.Equal(2, summary.Events);
        Assert.Equal("message 1, event 3", (string)dumped["position"]!);
    }

    [Program("recording-output", ProgramKind.Output, "test")]
    public sealed class RecordingOutput : IOutput
    {
        public static List<int> Written { get; } = [];
        static bool _retried;

        public static void Reset() { Written.Clear(); _retried = false; }

        public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var port = Convert.ToInt32(events[i]["source.port"]);
                if (port == 3) results[i] = WriteResult.Refused("port 3 is not welcome");
                else if (port == 5 && !_retried) { _retried = true; results[i] = WriteResult.Retry("busy"); Written.Add(port); }
                else if (port != 5 || _retried) Written.Add(port);
            }
            return ValueTask.CompletedTask;
        }
    }

    [Program("flaky-output", ProgramKind.Output, "test")]
    public sealed class FlakyOutput : IOutput
    {
        public static int Failures;

        public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken) =>
            Failures > 0 && Failures-- > 0 ? throw new TransientException("database down") : ValueTask.CompletedTask;
    }

    [Program("picky-output", ProgramKind.Output, "test")]
    public sealed class PickyOutput : IOutput
    {
        public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken) =>
            events.Any(e => Convert.ToInt32(e["source.port"]) == 4) ? throw new InvalidOperationException("cannot store port 4") : ValueTask.CompletedTask;
    }

    [Program("slow-expert", ProgramKind.Expert, "test")]
    public sealed class SlowExpert : IAsyncExpert
    {
        static int _running;
        public static int MaxConcurrent;
        public static bool HangFirst;

        public static void Reset() { _running = 0; MaxConcurrent = 0; HangFirst = false; }

        public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(now);
            try
            {
                if (HangFirst) { HangFirst = false; await Task.Delay(Timeout.Infinite, cancellationToken); }
                await Task.Delay(20, cancellationToken);
                output.Emit(ev);
            }
            finally { Interlocked.Decrement(ref _running); }
        }

        static void InterlockedMax(int value)
        {
            int seen;
            while ((seen = MaxConcurrent) < value && Interlocked.CompareExchange(ref MaxConcurrent, value, seen) != seen) { }
        }
    }

    [Program("odd-filter", ProgramKind.Expert, "test", Paths = [])]
    public sealed class OddFilter : IExpert
    {
        public void Process(Event ev, IEmitter output)
        {
            if (ev["custom.fail"] is not null) throw new InvalidDataException("this event is bad");
            if (Convert.ToInt32(ev["source.port"]) % 2 == 1) output.Drop(ev, "odd port");
            else output.Emit(ev);
        }
    }
}
