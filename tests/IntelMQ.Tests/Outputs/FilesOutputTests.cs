using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Files;

namespace IntelMQ.Tests.Outputs;

public sealed class FilesOutputTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("files-output-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    FilesOutput Output(FilesOutputOptions? options = null) =>
        new((options ?? new()) with { Dir = Path.Combine(_root, "new"), Tmp = Path.Combine(_root, "tmp") }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(FilesOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.asn")!, 64496L);
        ev.Add("custom.note", "n");
        return ev;
    }

    [Fact]
    public async Task Every_event_is_a_file_in_dir_holding_intelmqs_json_and_tmp_is_left_empty()
    {
        var output = Output();

        await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        var files = Directory.GetFiles(Path.Combine(_root, "new")).Order().ToList();
        Assert.Equal(3, files.Count);
        Assert.All(files, f => Assert.EndsWith(".json", f));
        Assert.Equal(3, files.Distinct().Count());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tmp")));
        var ips = files.Select(f => (string?)JsonNode.Parse(File.ReadAllText(f))!["source.ip"]).Order().ToList();
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3"], ips);
        var one = JsonNode.Parse(File.ReadAllText(files[0]))!.AsObject();
        Assert.Equal("n", (string?)one["extra.note"]);
        Assert.False(one.ContainsKey("__type"));
    }

    [Fact]
    public async Task Hierarchical_output_nests_the_names_and_the_suffix_is_honoured()
    {
        var output = Output(new() { HierarchicalOutput = true, Suffix = ".txt" });

        await Write(output, [NewEvent(0)]);

        var file = Assert.Single(Directory.GetFiles(Path.Combine(_root, "new")));
        Assert.EndsWith(".txt", file);
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal("192.0.2.1", (string?)json["source"]!["ip"]);
        Assert.Equal(64496, (int)json["source"]!["asn"]!);
        Assert.Equal("n", (string?)json["extra"]!["note"]);
    }

    [Fact]
    public async Task Single_key_writes_that_value_alone_and_refuses_events_without_it()
    {
        var output = Output(new() { SingleKey = "source.ip" });
        var without = Event.Create();
        without.Add("comment", "no ip");

        var results = await Write(output, [NewEvent(0), without]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused], results.Select(r => r.Status));
        Assert.Equal("192.0.2.1", File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(_root, "new")))));
    }

    [Fact]
    public async Task Single_key_raw_writes_the_original_data()
    {
        var output = Output(new() { SingleKey = "raw" });
        var ev = NewEvent(0);
        ev.Add(Event.OriginalField, "192.0.2.1,line,of,csv");

        await Write(output, [ev]);

        Assert.Equal("192.0.2.1,line,of,csv", File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(_root, "new")))));
    }

    [Fact]
    public async Task An_unwritable_directory_is_a_transient_failure()
    {
        var output = Output();
        Directory.Delete(Path.Combine(_root, "tmp"));

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
    }
}
