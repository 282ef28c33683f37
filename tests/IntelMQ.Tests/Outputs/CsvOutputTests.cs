using IntelMQ.Core;
using IntelMQ.Outputs.Csv;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Tests.Outputs;

public sealed class CsvOutputTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("csv-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static async Task<WriteResult[]> Write(CsvOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i, string? comment = null)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.asn")!, 64496L + i);
        if (comment is not null) ev.Add("comment", comment);
        return ev;
    }

    [Fact]
    public async Task Rows_hold_the_columns_named_by_intelmq_or_idf_names_under_a_header()
    {
        var path = Path.Combine(_dir, "events.csv");
        using var output = new CsvOutput(new() { Path = path, Columns = ["source.ip", "source.as.number", "comment", "feed.name"] }, ProgramContext.Default);

        await Write(output, [NewEvent(0, "plain"), NewEvent(1, "with, comma and \"quotes\"\nand a line")]);
        await Write(output, [NewEvent(2)]);

        Assert.Equal("source.ip,source.as.number,comment,feed.name\n192.0.2.1,64496,plain,\n192.0.2.2,64497,\"with, comma and \"\"quotes\"\"\nand a line\",\n192.0.2.3,64498,,\n",
            await File.ReadAllTextAsync(path, Cancel));
    }

    [Fact]
    public async Task Delimiter_quoting_all_and_crlf_are_honoured()
    {
        var path = Path.Combine(_dir, "events.csv");
        using var output = new CsvOutput(new() { Path = path, Columns = ["source.ip", "source.asn"], Delimiter = ";", Quoting = CsvQuoting.All, Crlf = true }, ProgramContext.Default);

        await Write(output, [NewEvent(0)]);

        Assert.Equal("\"source.ip\";\"source.asn\"\r\n\"192.0.2.1\";\"64496\"\r\n", await File.ReadAllTextAsync(path, Cancel));
    }

    [Fact]
    public async Task With_quoting_none_an_event_that_needs_quotes_is_refused_and_the_others_written()
    {
        var path = Path.Combine(_dir, "events.csv");
        using var output = new CsvOutput(new() { Path = path, Columns = ["source.ip", "comment"], Quoting = CsvQuoting.None, Header = false }, ProgramContext.Default);

        var results = await Write(output, [NewEvent(0, "a,b"), NewEvent(1, "fine")]);

        Assert.Equal([WriteStatus.Refused, WriteStatus.Written], results.Select(r => r.Status));
        Assert.Equal("192.0.2.2,fine\n", await File.ReadAllTextAsync(path, Cancel));
    }

    [Fact]
    public async Task A_dated_path_rotates_by_time_each_file_with_its_header()
    {
        var clock = new MovableClock { Now = new DateTimeOffset(2024, 5, 1, 23, 59, 0, TimeSpan.Zero) };
        using var output = new CsvOutput(new() { Path = Path.Combine(_dir, "events-%Y-%m-%d.csv"), Columns = ["source.ip"] }, ProgramContext.Default with { Clock = clock });

        await Write(output, [NewEvent(0)]);
        clock.Now += TimeSpan.FromMinutes(2);
        await Write(output, [NewEvent(1)]);

        Assert.Equal("source.ip\n192.0.2.1\n", await File.ReadAllTextAsync(Path.Combine(_dir, "events-2024-05-01.csv"), Cancel));
        Assert.Equal("source.ip\n192.0.2.2\n", await File.ReadAllTextAsync(Path.Combine(_dir, "events-2024-05-02.csv"), Cancel));
    }

    [Fact]
    public async Task A_full_file_is_renamed_aside_and_a_new_one_begun()
    {
        var path = Path.Combine(_dir, "events.csv");
        using var output = new CsvOutput(new() { Path = path, Columns = ["source.ip"], RotateSizeMb = 20.0 / (1024 * 1024) }, ProgramContext.Default);

        await Write(output, [NewEvent(0), NewEvent(1)]);
        await Write(output, [NewEvent(2)]);

        var rotated = Assert.Single(Directory.GetFiles(_dir), f => f != path);
        Assert.Equal("source.ip\n192.0.2.1\n192.0.2.2\n", await File.ReadAllTextAsync(rotated, Cancel));
        Assert.Equal("source.ip\n192.0.2.3\n", await File.ReadAllTextAsync(path, Cancel));
    }

    [Fact]
    public async Task Two_writers_sharing_a_file_never_interleave_rows_and_write_one_header()
    {
        var path = Path.Combine(_dir, "shared.csv");
        using var first = new CsvOutput(new() { Path = path, Columns = ["source.ip", "comment"] }, ProgramContext.Default);
        using var second = new CsvOutput(new() { Path = path, Columns = ["source.ip", "comment"] }, ProgramContext.Default);
        var filler = new string('x', 5000);

        await Task.WhenAll(
            Task.Run(async () => { for (var b = 0; b < 50; b++) await Write(first, [.. Enumerable.Range(0, 20).Select(i => NewEvent(1, filler))]); }, Cancel),
            Task.Run(async () => { for (var b = 0; b < 50; b++) await Write(second, [.. Enumerable.Range(0, 20).Select(i => NewEvent(2, filler))]); }, Cancel));

        var lines = await File.ReadAllLinesAsync(path, Cancel);
        Assert.Equal("source.ip,comment", lines[0]);
        Assert.Equal(2001, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.True(l == $"192.0.2.2,{filler}" || l == $"192.0.2.3,{filler}"));
    }

    [Fact]
    public void An_unknown_column_is_refused_at_construction()
    {
        var error = Assert.Throws<ConfigurationException>(() => new CsvOutput(new() { Path = Path.Combine(_dir, "x.csv"), Columns = ["source.nonsense"] }, ProgramContext.Default));

        Assert.Contains("source.nonsense", error.Message);
    }

    sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
