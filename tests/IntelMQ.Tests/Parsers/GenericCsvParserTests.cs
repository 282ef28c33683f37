using IntelMQ.Parsers.GenericCsv;

namespace IntelMQ.Tests.Parsers;

public sealed class GenericCsvParserTests
{
    static DhoParserRun Run(GenericCsvParserOptions options, string csv) => DhoParserRun.Of(new GenericCsvParser(options), csv);

    [Fact]
    public void A_bad_row_goes_to_the_dump_as_it_came_with_its_line_and_the_rest_parse()
    {
        var run = Run(new() { Columns = ["source.ip", "source.fqdn"], Type = "scanner", Delimiter = "\t" },
            "192.0.2.1\texample.com\n192.0.2.2\t.\n192.0.2.3\texample.net\n");
        Assert.Equal(["192.0.2.1", "192.0.2.3"], run.Events.Select(e => (string)e["source.ip"]!));
        var (position, content, error) = Assert.Single(run.Rejected);
        Assert.Equal("line 2", position);
        Assert.Equal("192.0.2.2\t.\n", content);
        Assert.Contains("source.domain", error.Message);
    }

    [Fact]
    public void A_column_tries_its_fields_in_order()
    {
        var run = Run(new() { Columns = ["source.url|source.fqdn|source.ip"], Type = "blacklist" }, "http://example.com/x\nexample.org\n192.0.2.9\n");
        Assert.Equal("http://example.com/x", run.Events[0]["source.url.full"]);
        Assert.Equal("example.org", run.Events[1]["source.domain"]);
        Assert.Equal("192.0.2.9", run.Events[2]["source.ip"]);
    }

    [Fact]
    public void A_column_not_required_leaves_a_value_no_field_takes()
    {
        var run = Run(new() { Columns = ["source.ip", "source.fqdn"], ColumnsRequired = ["true", "false"], Type = "blacklist" }, "192.0.2.1,not a name!\n");
        var ev = Assert.Single(run.Events);
        Assert.False(ev.Contains("source.domain"));
        Assert.Empty(run.Rejected);
    }

    [Fact]
    public void Regex_search_time_formats_and_compose_fields_convert_cells()
    {
        var run = Run(new()
        {
            Columns = ["source.asn", "time.source", "source.fqdn", "source.urlpath"], Type = "c2-server", TimeFormat = "epoch_millis",
            ColumnRegexSearch = new Dictionary<string, string> { ["source.asn"] = "[0-9]+" },
            ComposeFields = new Dictionary<string, string> { ["source.url"] = "https://{2}{3}" },
        }, "AS64496,1490486383000,example.com,/panel/\n");
        var ev = Assert.Single(run.Events);
        Assert.Equal(64496L, ev["source.as.number"]);
        Assert.Equal("2017-03-25T23:59:43+00:00", ev["@timestamp"]);
        Assert.Equal("https://example.com/panel/", ev["source.url.full"]);
    }

    [Theory]
    [InlineData("windows_nt", "131349599830000000", "2017-03-25T23:59:43+00:00")]
    [InlineData("timestamp", "1490486383", "2017-03-25T23:59:43+00:00")]
    [InlineData("from_format|%d.%m.%Y %H:%M", "25.03.2017 23:59", "2017-03-25T23:59:00+00:00")]
    [InlineData("from_format_midnight|%d-%m-%Y", "21-06-2019", "2019-06-21T00:00:00+00:00")]
    [InlineData(null, "01/Aug/2018:09:49:41 +0200", "2018-08-01T07:49:41+00:00")]
    [InlineData(null, "11-02-2019", "2019-11-02T00:00:00+00:00")]
    public void Time_formats_read_as_IntelMQ_reads_them(string? format, string cell, string expected)
    {
        var run = Run(new() { Columns = ["time.source"], Type = "scanner", TimeFormat = format, Delimiter = ";" }, cell + "\n");
        Assert.Equal(expected, Assert.Single(run.Events)["@timestamp"]);
    }

    [Fact]
    public void Skipped_header_lines_head_every_raw_and_comments_do_not_count()
    {
        var run = Run(new() { Columns = ["source.ip"], Type = "scanner", SkipHeader = "true" }, "# comment\nip\n192.0.2.1\n192.0.2.2\n");
        Assert.Equal(["ip\n192.0.2.1\n", "ip\n192.0.2.2\n"], run.Events.Select(e => (string)e["event.original"]!));
    }

    [Fact]
    public void A_quoted_cell_may_span_lines()
    {
        var run = Run(new() { Columns = ["source.ip", "extra.note"], Type = "scanner" }, "192.0.2.1,\"two\nlines\"\n192.0.2.2,x\n");
        Assert.Equal("two\nlines", run.Events[0]["custom.note"]);
        Assert.Equal("192.0.2.1,\"two\nlines\"\n", run.Events[0]["event.original"]);
        Assert.Equal(2, run.Events.Count);
    }

    [Fact]
    public void A_blacklist_filter_skips_the_lines_holding_the_text()
    {
        var run = Run(new() { Columns = ["source.ip"], Type = "scanner", FilterText = "192.0.2.2", FilterType = "blacklist" }, "192.0.2.1\n192.0.2.2\n192.0.2.3\n");
        Assert.Equal(["192.0.2.1", "192.0.2.3"], run.Events.Select(e => (string)e["source.ip"]!));
    }

    [Fact]
    public void Default_fields_fill_what_the_row_did_not_set()
    {
        var run = Run(new() { Columns = ["source.ip", "classification.type"], DefaultFields = new Dictionary<string, string> { ["classification.type"] = "scanner", ["protocol.transport"] = "tcp" } },
            "192.0.2.1,c2-server\n192.0.2.2,\n");
        Assert.Equal(["c2-server", "scanner"], run.Events.Select(e => (string)e["classification.type"]!));
        Assert.All(run.Events, e => Assert.Equal("tcp", e["network.transport"]));
    }

    [Fact]
    public void Columns_that_name_no_field_are_refused_at_start() =>
        Assert.Throws<ConfigurationException>(() => new GenericCsvParser(new() { Columns = ["no.such.field"] }));

    [Fact]
    public void Without_columns_a_report_is_refused_whole() =>
        Assert.Throws<InvalidDataException>(() => DhoParserRun.Of(new GenericCsvParser(), "192.0.2.1\n"));

    [Fact]
    public void A_line_longer_than_the_limit_is_dumped_and_the_next_parses()
    {
        var run = Run(new() { Columns = ["source.ip", "extra.x"], Type = "scanner", MaxLineSize = 1024 }, "192.0.2.1," + new string('x', 5000) + "\n192.0.2.2,y\n");
        Assert.Equal("192.0.2.2", Assert.Single(run.Events)["source.ip"]);
        Assert.Equal("line 1", Assert.Single(run.Rejected).Position);
    }
}
