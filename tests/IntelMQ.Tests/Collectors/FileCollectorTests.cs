using System.Text.Json;
using IntelMQ.Cli;
using IntelMQ.Collectors;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The file collector: IntelMQ's collector_file parameters, file selection, and reports the Shadowserver parser reads.</summary>
public sealed class FileCollectorTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly string _inbox;

    public FileCollectorTests() => _inbox = Directory.CreateDirectory(_intelmq.PathOf("inbox")).FullName;

    public void Dispose() => _intelmq.Dispose();

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }

    async Task<List<string>> NamesCollected(FileCollectorOptions options)
    {
        var names = new List<string>();
        await foreach (var report in new FileCollector(options).CollectAsync(new NoState(), TestContext.Current.CancellationToken))
            await using (report) names.Add((string)report.Report["custom.file_name"]!);
        return names;
    }

    [Fact]
    public async Task Postfix_selects_by_ending_and_glob_replaces_it()
    {
        foreach (var name in new[] { "2024-05-01-scan_smb-geo.csv", "2024-05-01-event4_sinkhole_http-geo.csv", "notes.txt", "old.csv.bak" })
            File.WriteAllText(Path.Combine(_inbox, name), "x");
        Directory.CreateDirectory(Path.Combine(_inbox, "sub.csv"));

        Assert.Equal(["2024-05-01-event4_sinkhole_http-geo.csv", "2024-05-01-scan_smb-geo.csv"], await NamesCollected(new() { Path = _inbox }));
        Assert.Equal(["2024-05-01-scan_smb-geo.csv"], await NamesCollected(new() { Path = _inbox, Glob = "*-scan_*.csv" }));
        Assert.Equal(["notes.txt"], await NamesCollected(new() { Path = _inbox, Postfix = ".txt" }));
        Assert.Equal(4, (await NamesCollected(new() { Path = _inbox, Postfix = "" })).Count);
    }

    [Theory]
    [InlineData("{\"path\": \"INBOX\", \"chunk_size\": 0}", "'chunk_size' is 0, outside 1..")]
    [InlineData("{\"path\": \"INBOX\", \"postfix\": \"\", \"delete_file\": true}", "every file in")]
    [InlineData("{\"path\": \"INBOX\", \"delete_file\": true, \"move_to\": \"INBOX/done\"}", "delete_file or move_to, not both")]
    [InlineData("{\"path\": \"INBOX/missing\"}", "is not a directory")]
    [InlineData("{}", "option 'path' is missing")]
    public void A_configuration_that_would_lose_or_misread_files_is_refused(string json, string message)
    {
        var program = Programs.Catalog.Resolve("file-collector");
        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json.Replace("INBOX", _inbox))!.ToDictionary(p => p.Key, p => (object?)p.Value);
        var error = Assert.Throws<ConfigurationException>(() => program.Create(OptionBinder.Bind(program, values), ProgramContext.Default));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData(true, new[] { "h\na\nb\n", "h\nccc\n", "h\ndddddddddd\n", "h\ne" })]
    [InlineData(false, new[] { "h\na\nb\n", "ccc\n", "dddddddddd\n", "e" })]
    public async Task Chunk_size_splits_a_file_at_line_ends_and_only_the_last_part_commits_it(bool replicateHeader, string[] expected)
    {
        File.WriteAllText(Path.Combine(_inbox, "big.csv"), "h\na\nb\nccc\ndddddddddd\ne");
        var collector = new FileCollector(new() { Path = _inbox, ChunkSize = 6, ChunkReplicateHeader = replicateHeader, DeleteFile = true });

        var parts = new List<(string Body, int Checkpoint, bool Commits)>();
        await foreach (var report in collector.CollectAsync(new NoState(), TestContext.Current.CancellationToken))
            await using (report)
                parts.Add((new StreamReader(report.Body).ReadToEnd(), report.Checkpoint.Count, report.Commit is not null));

        Assert.Equal(expected, parts.Select(p => p.Body));
        Assert.Equal(Enumerable.Repeat((0, false), expected.Length - 1).Append((1, true)), parts.Select(p => (p.Checkpoint, p.Commits)));
    }

    [Fact]
    public void An_IntelMQ_file_collector_configuration_binds_as_it_is()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.file.collector_file");
        // The parameters of IntelMQ's file collector, as a runtime.yaml entry has them.
        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
            $$"""{"path": "{{_inbox}}", "postfix": ".csv", "delete_file": true, "chunk_size": null, "chunk_replicate_header": true, "rate_limit": 300, "name": "Shadowserver"}""")!
            .ToDictionary(p => p.Key, p => (object?)p.Value);
        var settings = CollectorSettings.Take(values);
        var options = (FileCollectorOptions)OptionBinder.Bind(program, values)!;

        Assert.Equal("file-collector", program.Name);
        Assert.True(options.DeleteFile);
        Assert.Equal("every 300 s", settings.Schedule.ToString());
        Assert.Equal("Shadowserver", settings.Feed["feed.name"]);
        Assert.IsType<FileCollector>(program.Create(options, ProgramContext.Default));
    }

    [Fact]
    public async Task A_collected_Shadowserver_file_is_parsed_by_its_file_name()
    {
        var sample = Path.Combine(Paths.Repo, "examples", "shadowserver", "2024-05-01-scan_smb-geo.csv");
        File.Copy(sample, Path.Combine(_inbox, Path.GetFileName(sample)));
        var reports = _intelmq.PathOf("reports.jsonl");
        var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve("file-collector"),
            Options = new FileCollectorOptions { Path = _inbox, MoveTo = Path.Combine(_inbox, "done") },
            Context = new ProgramContext { Id = "shadowserver-files" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{reports}"] },
            DumpPath = _intelmq.PathOf("collector-dump.jsonl"),
            StatePath = _intelmq.PathOf("collector-state.json"),
            Feed = new Dictionary<string, string> { ["feed.name"] = "Shadowserver" },
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("shadowserver-files", 0, TextWriter.Null));
        await using (host) Assert.Equal(1, (await host.RunAsync(TestContext.Current.CancellationToken, TestContext.Current.CancellationToken)).Events);
        Assert.True(File.Exists(Path.Combine(_inbox, "done", Path.GetFileName(sample))), "moved once handed on");

        var parsed = _intelmq.Run("", "run", "shadowserver-parser", "--input", $"file:{reports}", "--output", "stdout:?format=ndjson");
        var direct = _intelmq.Run(File.ReadAllBytes(sample), "run", "shadowserver-parser", "--raw", "--set", $"file_name={Path.GetFileName(sample)}", "--output", "stdout:?format=ndjson");

        Assert.Equal(direct.ExitCode, parsed.ExitCode);
        var events = Events(parsed.Stdout);
        Assert.Equal(Events(direct.Stdout).Select(e => e["source.ip"]), events.Select(e => e["source.ip"]));
        Assert.Equal("203.0.113.13", events[0]["source.ip"]);
        Assert.All(events, e => Assert.Equal("Shadowserver", e["feed.name"]));
    }

    static List<Event> Events(string ndjson) =>
        ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => EventJson.Read(System.Text.Encoding.UTF8.GetBytes(l)).Single()).ToList();
}
