using System.Text.Json;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Tests.Parsers;

public sealed class CommonParserPartsTests
{
    [Fact]
    public void Lines_end_at_lf_crlf_and_cr_and_are_numbered_from_one()
    {
        var output = new CollectingEmitter();
        var lines = ReportLines.Read(new StringReader("a\r\nb\nc\rd"), output).ToList();
        Assert.Equal(["a", "b", "c", "d"], lines.Select(l => l.Text));
        Assert.Equal([1, 2, 3, 4], lines.Select(l => l.Number));
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_rejected_and_the_next_one_is_read()
    {
        var output = new CollectingEmitter();
        var lines = ReportLines.Read(new StringReader("ok\n" + new string('x', 5000) + "\nnext\n"), output, maxLength: 1000).ToList();
        Assert.Equal(["ok", "next"], lines.Select(l => l.Text));
        Assert.Equal(3, lines[1].Number);
        var (position, _, error) = Assert.Single(output.Rejected);
        Assert.Equal("line 2", position);
        Assert.Contains("longer than 1000", error.Message);
    }

    [Fact]
    public void List_elements_are_split_without_being_fooled_by_brackets_and_commas_in_strings()
    {
        var output = new CollectingEmitter();
        var elements = JsonReport.ReadList(new StringReader("""[{"a": "x,]}\"y"}, [1, 2], {"b": {"c": [3]}}]"""), output)
            .Select(e => e.Element.GetRawText()).ToList();
        Assert.Equal(["""{"a": "x,]}\"y"}""", "[1, 2]", """{"b": {"c": [3]}}"""], elements);
        Assert.Empty(output.Rejected);
    }

    [Fact]
    public void A_bad_list_element_is_rejected_with_its_position_and_the_rest_are_read()
    {
        var output = new CollectingEmitter();
        var elements = JsonReport.ReadList(new StringReader("""[{"a": 1}, {"b": tru}, {"c": 3}]"""), output).Select(e => e.Index).ToList();
        Assert.Equal([1, 3], elements);
        Assert.Equal("element 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void A_body_that_is_not_a_list_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => JsonReport.ReadList(new StringReader("""{"a": 1}"""), new CollectingEmitter()).ToList());
        Assert.Contains("not a JSON list", error.Message);
    }

    [Fact]
    public void Json_is_written_as_pythons_json_dumps_writes_it()
    {
        using var document = JsonDocument.Parse("""{"b": 0.000, "a": "Müller \"x\"\n", "c": [1, 1e2, null, true]}""");
        Assert.Equal("""{"b": 0.0, "a": "M\u00fcller \"x\"\n", "c": [1, 100.0, null, true]}""", PythonJson.Dumps(document.RootElement));
        Assert.Equal("""[{"a": "M\u00fcller \"x\"\n", "b": 0.0, "c": [1, 100.0, null, true]}]""", PythonJson.DumpsAsList(document.RootElement, sortKeys: true));
    }

    [Fact]
    public void Csv_lines_keep_separators_and_doubled_quotes_inside_quoted_cells()
    {
        Assert.Equal(["a", "b,c", "say \"hi\"", ""], CsvLine.Split("a,\"b,c\",\"say \"\"hi\"\"\","));
        Assert.Throws<InvalidDataException>(() => CsvLine.Split("a,\"b"));
    }
}
