using System.Text;
using System.Text.Json;
using IntelMQ.Cli;
using IntelMQ.Collectors;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Runtime.Observability;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Tests.Runtime;

/// <summary>The collector host: every report handed on once, checkpoint and commit only after the hand-off, failures never skip a report.</summary>
public sealed class CollectorHostTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-collect-").FullName;
    readonly StringWriter _log = new();

    string Inbox => Path.Combine(_dir, "inbox");
    string Output => Path.Combine(_dir, "reports.jsonl");
    string DumpPath => Path.Combine(_dir, "dump.jsonl");
    string StatePath => Path.Combine(_dir, "state", "files.json");

    public CollectorHostTests() => Directory.CreateDirectory(Inbox);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Drop(string name, string content)
    {
        var path = Path.Combine(Inbox, name);
        File.WriteAllText(path, content);
        return path;
    }

    CollectorHostOptions FileCollector(FileCollectorOptions? options = null, params string[] outputs) => new()
    {
        Program = Programs.Catalog.Resolve("file-collector"),
        Options = options ?? new FileCollectorOptions { Path = Inbox },
        Context = new ProgramContext { Id = "files", Producer = "test" },
        Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = outputs.Length > 0 ? outputs : [$"file:{Output}"] },
        DumpPath = DumpPath,
        StatePath = StatePath,
        Feed = new Dictionary<string, string> { ["feed.name"] = "Shadowserver", ["feed.provider"] = "Shadowserver Foundation" },
        Backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)),
    };

    async Task<RunSummary> RunAsync(CollectorHostOptions options, ChannelCatalog? catalog = null, CancellationTokenSource? stop = null)
    {
        await using var host = new CollectorHost(options, catalog ?? ChannelCatalog.WithBuiltIns(), new ChannelContext("files", 0, _log));
        return await host.RunAsync(stop?.Token ?? TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);
    }

    List<Event> Reports() => File.Exists(Output) ? File.ReadAllLines(Output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).ToList() : [];

    [Fact]
    public async Task Every_file_is_handed_on_once_as_a_report_with_its_name_body_and_feed()
    {
        Drop("2024-05-01-scan_smb-geo.csv", "ip,port\n192.0.2.1,445\n");
        Drop("2024-05-01-scan_rdp-geo.csv", "ip,port\n192.0.2.2,3389\n");
        Drop("notes.txt", "not a report");
        var queue = $"memory:reports-{Guid.NewGuid():N}";

        var summary = await RunAsync(FileCollector(null, $"file:{Output}", queue));

        Assert.Equal((2L, 2L, 0L, 0), (summary.Messages, summary.Events, summary.Dumped, summary.ExitCode));
        var reports = Reports();
        Assert.Equal(["2024-05-01-scan_rdp-geo.csv", "2024-05-01-scan_smb-geo.csv"], reports.Select(r => (string)r["custom.file_name"]!));
        Assert.All(reports, r => Assert.Equal(MessageKind.Report, r.Kind));
        Assert.Equal("ip,port\n192.0.2.2,3389\n", reports[0]["event.original"]);
        Assert.All(reports, r => Assert.Equal(("Shadowserver", "Shadowserver Foundation"), (r["feed.name"], r["feed.provider"])));
        Assert.All(reports, r => Assert.NotNull(r["event.created"]));
        await using var input = ChannelCatalog.WithBuiltIns().OpenInput(queue, new ChannelContext("check", 0, TextWriter.Null));
        Assert.Equal(2, (await input.ReceiveAsync(10, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!.Count);

        var again = await RunAsync(FileCollector());
        Assert.Equal(0, again.Messages);
        Assert.Equal(2, Reports().Count);
    }

    [Fact]
    public async Task A_report_id_is_the_same_for_the_same_feed_and_body_and_differs_otherwise()
    {
        Drop("a.csv", "ip\n192.0.2.1\n");
        Drop("b.csv", "ip\n192.0.2.1\n");
        Drop("c.csv", "ip\n192.0.2.3\n");
        await RunAsync(FileCollector());
        var ids = Reports().Select(r => r.Id).ToList();
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], ids[2]);
        Assert.Equal('5', ids[0]![14]); // a version 5 UUID
    }

    [Fact]
    public async Task An_unchanged_file_is_not_sent_again_and_a_changed_one_is()
    {
        var path = Drop("scan.csv", "ip\n192.0.2.1\n");
        await RunAsync(FileCollector());
        Assert.Equal(0, (await RunAsync(FileCollector())).Messages);

        File.AppendAllText(path, "192.0.2.2\n");
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        var changed = await RunAsync(FileCollector());

        Assert.Equal(1, changed.Events);
        Assert.Equal(["ip\n192.0.2.1\n", "ip\n192.0.2.1\n192.0.2.2\n"], Reports().Select(r => (string)r["event.original"]!));
        Assert.True(File.Exists(path), "keep-and-remember leaves the file in place");
    }

    [Fact]
    public async Task Delete_file_deletes_a_file_only_after_every_channel_confirmed_its_report()
    {
        var path = Drop("scan.csv", "ip\n192.0.2.1\n");
        var flaky = new FlakyChannel(failures: 1, onSend: () => Assert.True(File.Exists(path), "the file is still there while its report is being sent"));

        var summary = await RunAsync(FileCollector(new FileCollectorOptions { Path = Inbox, DeleteFile = true }, "flaky:"), flaky.Catalog());

        Assert.Equal((2, 1), (flaky.Attempts, flaky.Delivered.Count));
        Assert.Equal(1, summary.Events);
        Assert.False(File.Exists(path));
        Assert.Contains("not committed, retrying", _log.ToString());
    }

    [Fact]
    public async Task A_file_in_parts_is_deleted_only_after_its_last_part_is_handed_on()
    {
        var path = Drop("big.csv", "ip\n192.0.2.1\n192.0.2.2\n192.0.2.3\n");
        var channel = new FlakyChannel(failures: 0, onSend: () => Assert.True(File.Exists(path)));

        var summary = await RunAsync(FileCollector(new FileCollectorOptions { Path = Inbox, DeleteFile = true, ChunkSize = 16 }, "flaky:"), channel.Catalog());

        Assert.Equal(3, summary.Events);
        Assert.Equal(["ip\n192.0.2.1\n", "ip\n192.0.2.2\n", "ip\n192.0.2.3\n"],
            channel.Delivered.Select(m => (string)EventJson.Read(m).Single()["event.original"]!));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_hand_off_that_never_succeeds_commits_nothing_and_the_report_comes_with_the_next_run()
    {
        var path = Drop("scan.csv", "ip\n192.0.2.1\n");
        using var stop = new CancellationTokenSource();
        var down = new FlakyChannel(failures: int.MaxValue, onSend: stop.Cancel);

        var failed = await RunAsync(FileCollector(new FileCollectorOptions { Path = Inbox, DeleteFile = true }, "flaky:"), down.Catalog(), stop);

        Assert.Equal((1L, 0L), (failed.Messages, failed.Events));
        Assert.True(File.Exists(path), "a report not handed on is not committed");
        using (var state = StateStore.Open(StatePath)) Assert.Null(state.Get("file:scan.csv"));

        var retried = await RunAsync(FileCollector(new FileCollectorOptions { Path = Inbox, DeleteFile = true }));
        Assert.Equal(1, retried.Events);
        Assert.Equal("ip\n192.0.2.1\n", Reports().Single()["event.original"]);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_report_over_max_report_size_goes_to_the_dump_with_its_origin_and_its_file_stays()
    {
        var path = Drop("big.csv", "ip\n192.0.2.1\n192.0.2.2\n");
        var options = FileCollector(new FileCollectorOptions { Path = Inbox, DeleteFile = true }) with { MaxReportSize = 10 };

        var summary = await RunAsync(options);

        Assert.Equal((1L, 0L, 1L, 1), (summary.Messages, summary.Events, summary.Dumped, summary.ExitCode));
        Assert.Empty(Reports());
        Assert.True(File.Exists(path), "a dumped report's file is not deleted");
        using var entry = JsonDocument.Parse(File.ReadAllLines(DumpPath).Single());
        Assert.Equal(path, entry.RootElement.GetProperty("input").GetString());
        Assert.Equal("report", entry.RootElement.GetProperty("kind").GetString());
        Assert.Contains("larger than max_report_size (10 bytes)", entry.RootElement.GetProperty("error").GetString());
        Assert.Contains("big.csv", entry.RootElement.GetProperty("content").GetString());

        Assert.Equal(0, (await RunAsync(options)).Dumped); // remembered: not dumped again every run
    }

    [Fact]
    public async Task On_a_dho_channel_a_report_carries_its_body_as_base64_raw()
    {
        Drop("scan.csv", "ip\n192.0.2.1\n");
        await RunAsync(FileCollector(null, $"file:{Output}?format=dho"));
        using var message = JsonDocument.Parse(File.ReadAllLines(Output).Single());
        Assert.Equal("Report", message.RootElement.GetProperty("__type").GetString());
        Assert.Equal("ip\n192.0.2.1\n", Encoding.UTF8.GetString(message.RootElement.GetProperty("raw").GetBytesFromBase64()));
        Assert.Equal("scan.csv", message.RootElement.GetProperty("extra.file_name").GetString());
    }

    [Fact]
    public async Task An_interval_schedule_runs_the_collector_again_until_stopped_finishing_the_report_in_hand()
    {
        using var stop = new CancellationTokenSource();
        var script = new ScriptedCollectorOptions((run, _) => run == 2 ? Stopping(stop, "run 2") : [$"run {run}"]);
        var options = Scripted(script) with { Schedule = CollectorSchedule.Every(TimeSpan.FromMilliseconds(1)) };

        var summary = await RunAsync(options, stop: stop);

        Assert.Equal(2, script.Runs);
        Assert.Equal(2, summary.Events);
        Assert.Equal(["run 1", "run 2"], Reports().Select(r => (string)r["event.original"]!));
    }

    [Fact]
    public async Task A_transient_failure_is_retried_by_a_daemon_and_other_failures_wait_for_the_next_run()
    {
        using var stop = new CancellationTokenSource();
        var script = new ScriptedCollectorOptions((run, _) => run switch
        {
            1 => throw new TransientException("feed server down"),
            2 => throw new InvalidOperationException("a collector bug"),
            _ => Stopping(stop, $"run {run}"),
        });
        var options = Scripted(script) with { Schedule = CollectorSchedule.Every(TimeSpan.FromMilliseconds(1)) };

        var summary = await RunAsync(options, stop: stop);

        Assert.Equal((3, 1L), (script.Runs, summary.Events));
        Assert.Contains("feed server down; trying again at", _log.ToString());
        Assert.Contains("the collector failed: a collector bug (InvalidOperationException); next run at", _log.ToString());
    }

    [Fact]
    public async Task A_transient_failure_of_a_one_shot_run_is_reported_as_unavailable()
    {
        var options = Scripted(new ScriptedCollectorOptions((_, _) => throw new TransientException("feed server down")));
        var error = await Assert.ThrowsAsync<ChannelUnavailableException>(() => RunAsync(options));
        Assert.Contains("feed server down", error.Message);
    }

    [Theory]
    [InlineData(LogLevel.Information, false)]
    [InlineData(LogLevel.Debug, true)]
    public async Task An_unexpected_failure_of_a_one_shot_run_is_one_line_and_status_1_with_the_stack_trace_only_at_debug(LogLevel level, bool traced)
    {
        var programLog = new StringWriter();
        using var logs = ProgramLog.Create("scripted-collector", "files", level, LogFormat.Text, programLog);
        var options = Scripted(new ScriptedCollectorOptions((_, _) => throw new InvalidOperationException("a collector bug")));
        options = options with { Context = options.Context with { Log = logs.CreateLogger("scripted-collector") } };

        var summary = await RunAsync(options);

        Assert.Equal((1, true), (summary.ExitCode, summary.Failed));
        var line = Assert.Single(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("files: the collector failed: a collector bug (InvalidOperationException)", line);
        Assert.Equal(traced, programLog.ToString().Contains("at IntelMQ.Tests.Runtime.CollectorHostTests", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("matched", "remove the output path 'matched'")]
    [InlineData(null, "give --output URI")]
    public void A_collector_sends_to_default_and_nowhere_else(string? path, string message)
    {
        var outputs = path is null ? new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [] }
            : new Dictionary<string, IReadOnlyList<string>> { ["_default"] = ["stdout:"], [path] = ["stdout:"] };
        var error = Assert.Throws<ConfigurationException>(() => new CollectorHost(FileCollector() with { Outputs = outputs }, ChannelCatalog.WithBuiltIns(), new ChannelContext("files", 0, _log)));
        Assert.Contains(message, error.Message);
    }

    // Stops the run as its report is taken: the report is in hand, so it is handed on before the host stops.
    static IEnumerable<string> Stopping(CancellationTokenSource stop, string body)
    {
        stop.Cancel();
        yield return body;
    }

    CollectorHostOptions Scripted(ScriptedCollectorOptions script) => FileCollector() with
    {
        Program = new ProgramInfo(typeof(ScriptedCollector)),
        Options = script,
    };

    /// <summary>What a scripted collector does on its Nth run (from 1): report bodies, or an exception.</summary>
    sealed record ScriptedCollectorOptions(Func<int, CancellationToken, IEnumerable<string>> Run)
    {
        public int Runs { get; set; }
    }

    [Program("scripted-collector", ProgramKind.Collector, "Reports what its script says, for tests.")]
    sealed class ScriptedCollector(ScriptedCollectorOptions options) : ICollector
    {
        public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
            options.Run(++options.Runs, cancellationToken)
                .Select(body => new CollectedReport(new Event(MessageKind.Report), new MemoryStream(Encoding.UTF8.GetBytes(body))) { Origin = body })
                .ToAsyncEnumerable();
    }

    /// <summary>An output channel that fails its first <c>failures</c> sends.</summary>
    sealed class FlakyChannel(int failures, Action onSend) : IOutputChannel
    {
        public int Attempts { get; private set; }
        public List<byte[]> Delivered { get; } = [];
        public string Name => "flaky:";
        public MessageFormat Format => MessageFormat.Idf;

        public ChannelCatalog Catalog() => ChannelCatalog.WithBuiltIns().Add("flaky", null, (_, _) => this, "fails first");

        public ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            onSend();
            if (++Attempts <= failures) throw new IOException("connection refused");
            Delivered.AddRange(messages.Select(m => m.ToArray()));
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
