using IntelMQ.Core;
using IntelMQ.Parsers.HtmlTable;

namespace IntelMQ.Tests.Parsers;

public sealed class HtmlTableParserTests
{
    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    static CollectingEmitter Run(HtmlTableParserOptions options, string page, DateTimeOffset? now = null) =>
        CollectingEmitter.Run(new HtmlTableParser(options, new ProgramContext { Clock = new FixedClock(now ?? DateTimeOffset.UnixEpoch) }), page);

    [Fact]
    public void A_row_is_written_back_as_beautifulsoup_writes_it()
    {
        var page = "<table><tr><th>ip</th></tr>\n<tr class=b id=a>\n\t\t<td><img src=\"x.png\" alt=\"-\" >192.0.2.1&nbsp;</td>  <td title='say \"hi\"'>a &amp; b</td></tr></table>";
        var ev = Assert.Single(Run(new() { Columns = ["source.ip", "extra.note"] }, page).Events);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal("a & b", ev["custom.note"]);
        Assert.Equal("<tr class=\"b\" id=\"a\">\n<td><img alt=\"-\" src=\"x.png\"/>192.0.2.1\u00a0</td> <td title='say \"hi\"'>a &amp; b</td></tr>", ev["event.original"]);
    }

    [Fact]
    public void A_row_whose_cell_no_field_takes_goes_to_the_dump_and_the_next_row_parses()
    {
        var page = "<table><tr><td>head</td></tr><tr><td>not an address</td></tr><tr><td>192.0.2.2</td></tr></table>";
        var output = Run(new() { Columns = ["source.ip"], Type = "scanner" }, page);
        Assert.Equal("192.0.2.2", Assert.Single(output.Events)["source.ip"]);
        Assert.Equal("scanner", output.Events[0]["classification.type"]);
        Assert.Equal("row 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void The_table_is_chosen_by_its_class_and_index_and_a_missing_one_refuses_the_report()
    {
        var page = "<table class='x'><tr><td>192.0.2.1</td></tr></table><table class='list wide'><tr><td>192.0.2.2</td></tr></table>";
        var options = new HtmlTableParserOptions { Columns = ["source.ip"], SkipTableHead = false, AttributeName = "class", AttributeValue = "list" };
        Assert.Equal("192.0.2.2", Assert.Single(Run(options, page).Events)["source.ip"]);
        Assert.Throws<InvalidDataException>(() => Run(options with { TableIndex = 1 }, page));
    }

    [Fact]
    public void A_split_column_is_split_before_it_is_added_and_a_url_gets_the_default_scheme()
    {
        var page = "<table><tr><td><a>[D]</a> <a>example.com/x.exe</a></td></tr></table>";
        var options = new HtmlTableParserOptions { Columns = ["source.url"], SkipTableHead = false, SplitColumn = "source.url", SplitSeparator = "[D]", SplitIndex = 1 };
        Assert.Equal("http://example.com/x.exe", Assert.Single(Run(options, page).Events)["source.url.full"]);
    }

    [Fact]
    public void A_date_without_a_year_takes_the_year_of_the_clock()
    {
        var page = "<table><tr><td>02-15</td><td>192.0.2.1</td></tr></table>";
        var ev = Assert.Single(Run(new() { Columns = ["time.source", "source.ip"], SkipTableHead = false }, page, new DateTimeOffset(2031, 6, 1, 0, 0, 0, TimeSpan.Zero)).Events);
        Assert.Equal("2031-02-15T00:00:00+00:00", ev["@timestamp"]);
    }

    [Fact]
    public void Ignore_values_of_another_length_than_columns_is_a_configuration_error()
    {
        Assert.Throws<ConfigurationException>(() => new HtmlTableParser(new() { Columns = ["source.ip", "source.port"], IgnoreValues = "-" }, ProgramContext.Default));
        Assert.Throws<ConfigurationException>(() => new HtmlTableParser(new() { Columns = ["source.nonsense"] }, ProgramContext.Default));
    }

    [Fact]
    public void A_deeply_nested_cell_is_read_and_written_without_exhausting_the_stack()
    {
        const int depth = 20_000;
        var page = "<table><tr><td>" + string.Concat(Enumerable.Repeat("<span>", depth)) + "192.0.2.1" + "</td></tr></table>";
        var ev = Assert.Single(Run(new() { Columns = ["source.ip"], SkipTableHead = false }, page).Events);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.StartsWith("<tr><td><span><span>", (string)ev["event.original"]!, StringComparison.Ordinal);
        Assert.EndsWith("</span></td></tr>", (string)ev["event.original"]!, StringComparison.Ordinal);
    }
}
