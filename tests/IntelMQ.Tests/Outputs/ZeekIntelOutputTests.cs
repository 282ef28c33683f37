using IntelMQ.Core;
using IntelMQ.Outputs.Zeek;

namespace IntelMQ.Tests.Outputs;

public sealed class ZeekIntelOutputTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("zeek-output-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    string IntelPath => Path.Combine(_root, "intel.dat");

    ZeekIntelOutput Output(ZeekIntelOutputOptions? options = null) => new((options ?? new()) with { File = IntelPath }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(ZeekIntelOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(params (string Field, object Value)[] fields)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        foreach (var (field, value) in fields) ev.Add(DhoMapping.ToIdf(field) ?? field, value);
        return ev;
    }

    [Fact]
    public async Task Each_indicator_is_a_line_of_zeeks_intel_format_with_its_type_and_meta()
    {
        var ev = NewEvent(("source.ip", "192.0.2.7"), ("source.fqdn", "Bad.Example.com"), ("source.url", "http://bad.example.com/gate.php?id=1"),
            ("malware.hash.md5", "D41D8CD98F00B204E9800998ECF8427E"), ("event_description.text", "C2\tserver"), ("event_description.url", "https://example.org/report/1"));

        await Write(Output(), [ev]);

        Assert.Equal("""
            #fields	indicator	indicator_type	meta.source	meta.desc	meta.url
            192.0.2.7	Intel::ADDR	Test Feed	C2 server	https://example.org/report/1
            bad.example.com	Intel::DOMAIN	Test Feed	C2 server	https://example.org/report/1
            d41d8cd98f00b204e9800998ecf8427e	Intel::FILE_HASH	Test Feed	C2 server	https://example.org/report/1
            bad.example.com/gate.php?id=1	Intel::URL	Test Feed	C2 server	https://example.org/report/1

            """.ReplaceLineEndings("\n"), File.ReadAllText(IntelPath));
    }

    [Fact]
    public async Task Indicators_of_earlier_batches_and_runs_stay_and_a_repeated_one_is_listed_once_with_its_latest_meta()
    {
        await Write(Output(), [NewEvent(("source.ip", "192.0.2.1"), ("classification.type", "scanner"))]);

        await Write(Output(new() { MetaSource = "cert" }), [NewEvent(("source.ip", "192.0.2.2")), NewEvent(("source.ip", "192.0.2.1"), ("classification.type", "c2-server"), ("malware.name", "njrat"))]);

        var lines = File.ReadAllLines(IntelPath);
        Assert.Equal(3, lines.Length);
        Assert.Equal("192.0.2.1\tIntel::ADDR\tcert\tc2-server njrat\t-", lines[1]);
        Assert.Equal("192.0.2.2\tIntel::ADDR\tcert\t-\t-", lines[2]);
    }

    [Fact]
    public async Task An_event_without_an_indicator_is_refused()
    {
        var results = await Write(Output(new() { IndicatorFields = ["source.ip", "source.network"] }), [NewEvent(("source.port", 80L)), NewEvent(("source.network", "198.51.100.0/24"))]);

        Assert.Equal(WriteStatus.Refused, results[0].Status);
        Assert.Equal(WriteResult.Written, results[1]);
        Assert.EndsWith("198.51.100.0/24\tIntel::SUBNET\tTest Feed\t-\t-\n", File.ReadAllText(IntelPath));
    }
}
