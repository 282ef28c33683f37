using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.HtmlTable;

/// <summary>Tables of HTML pages (trackers that publish only a web page), one event per row, a field per column.</summary>
[Program("html-table-parser", ProgramKind.Parser, "Parses a table of an HTML page into events, one per row, a field per column.",
    Modules = ["intelmq.bots.parsers.html_table.parser"],
    Options = typeof(HtmlTableParserOptions),
    Description = """
        The page is read with an HTML5 parser (no browser, no scripts; at most 64 MiB). The table is the table_index-th table of
        the page, or of the tables whose attribute_name is attribute_value; its rows are its tr elements (the first skipped
        with skip_table_head), a row's cells its td elements. Each cell, trimmed, goes to its column's field unless it is
        empty or the column's ignore_values entry; a|b columns try each field in turn, split_column cells are split first,
        time.source and time.destination are read as time_format says (without one, the common forms; a date without a year
        such as 02-15 takes the current year, as IntelMQ's dateutil does), and *.url cells without a scheme get
        default_url_protocol. A row that gives no field (a head of th cells) is no event; classification.type is type when
        the row sets none. event.original is the row as IntelMQ writes it (BeautifulSoup's markup: attributes sorted,
        whitespace-only text as one newline). A row whose cell no field of its column takes goes to the dump with its number
        (IntelMQ fails the whole report).
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["*", "event.original", "event.id"],
    Examples =
    [
        "intelmq run html-table-parser --raw --set columns=time.source,source.ip --set type=scanner < page.html",
        "# input:",
        "#   <table><tr><th>Date</th><th>IP</th></tr><tr><td>2024-05-01</td><td>192.0.2.1</td></tr></table>",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"time.source\": \"2024-05-01T00:00:00+00:00\", \"source.ip\": \"192.0.2.1\", \"classification.type\": \"scanner\"}",
    ])]
public sealed class HtmlTableParser : IParser
{
    /// <summary>The largest page accepted, in characters.</summary>
    public const int MaxReportSize = 64 << 20;

    readonly HtmlTableParserOptions _options;
    readonly TimeProvider _clock;
    readonly string[] _ignore;

    public HtmlTableParser(HtmlTableParserOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        const string program = "html-table-parser";
        if (options.Columns.Length == 0)
            throw new ConfigurationException($"{program}: option 'columns' is required: the field of each td cell, e.g. [time.source, source.ip, __IGNORE__].");
        foreach (var column in options.Columns)
        foreach (var key in column.Split('|'))
            if (key is not ("" or "__IGNORE__") && DhoMapping.ToIdf(key.Trim()) is null)
                throw new ConfigurationException($"{program}: option 'columns': '{key}' is not an IntelMQ field; use IntelMQ's names (source.ip, extra.your_name) or __IGNORE__.");
        _ignore = options.IgnoreValues is { } ignore ? ignore.Split(',') : new string[options.Columns.Length];
        if (_ignore.Length != options.Columns.Length)
            throw new ConfigurationException($"{program}: option 'ignore_values' has {_ignore.Length} entries and 'columns' {options.Columns.Length}: give one per column (empty for none).");
        if (DhoTime.Problem(options.TimeFormat) is { } problem) throw new ConfigurationException($"{program}: option 'time_format': {problem}.");
        if (options.SplitColumn is not null && string.IsNullOrEmpty(options.SplitSeparator))
            throw new ConfigurationException($"{program}: option 'split_column' needs 'split_separator': the text to split the cell at.");
        if ((options.AttributeName is null) != (options.AttributeValue is null))
            throw new ConfigurationException($"{program}: options 'attribute_name' and 'attribute_value' go together: give both or neither.");
    }

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var document = new HtmlParser().ParseDocument(JsonReport.ReadText(body, MaxReportSize));
        var tables = Descendants(document, "table").Where(Matches).ToList();
        if (_options.TableIndex >= tables.Count)
            throw new InvalidDataException($"the page has {tables.Count} matching tables, table_index {_options.TableIndex} is not one of them");
        var number = 0;
        foreach (var row in Descendants(tables[_options.TableIndex], "tr"))
        {
            if (number++ == 0 && _options.SkipTableHead) continue;
            var raw = BeautifulSoupText.Write(row);
            try
            {
                if (Build(report, row, raw) is { } ev) output.Emit(ev);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"row {number}", raw, ex);
            }
        }
    }

    bool Matches(IElement table)
    {
        if (_options.AttributeName is not { } name) return true;
        if (table.GetAttribute(name) is not { } value) return false;
        return value == _options.AttributeValue
            || (name == "class" && value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Contains(_options.AttributeValue));
    }

    Event? Build(Event report, IElement row, string raw)
    {
        var ev = DhoEvent.New(report, _options);
        var added = false;
        var cells = Descendants(row, "td").Select(BeautifulSoupText.Text).ToList();
        for (var i = 0; i < Math.Min(cells.Count, _options.Columns.Length); i++)
        {
            var data = cells[i].Trim();
            if (data == (_ignore[i] ?? "")) continue;
            var column = _options.Columns[i];
            var taken = false;
            foreach (var field in column.Split('|').Select(k => k.Trim()))
            {
                if (data.Length == 0 || field is "" or "__IGNORE__")
                {
                    taken = true;
                    break;
                }
                var value = data;
                if (field == _options.SplitColumn)
                {
                    var parts = value.Split(_options.SplitSeparator!);
                    if (_options.SplitIndex >= parts.Length) continue;
                    value = parts[_options.SplitIndex].Trim();
                }
                if (field is "time.source" or "time.destination")
                {
                    if (Time(value) is not { } time) continue;
                    value = time;
                }
                else if (field.EndsWith(".url", StringComparison.Ordinal) && !value.Contains("://", StringComparison.Ordinal))
                    value = _options.DefaultUrlProtocol + value;
                if (DhoEvent.TryAdd(ev, field, value))
                {
                    taken = added = true;
                    break;
                }
            }
            if (!taken) throw new InvalidFieldException(column, $"no field of column {i + 1} ('{column}') takes the value '{data}'");
        }
        if (!added) return null;
        if (_options.Type is { } type && !DhoEvent.Has(ev, "classification.type")) DhoEvent.Add(ev, "classification.type", type);
        return DhoEvent.Complete(ev, _options, raw);
    }

    string? Time(string value)
    {
        try
        {
            return DhoTime.Parse(value, _options.TimeFormat);
        }
        catch (FormatException) when (_options.TimeFormat is null)
        {
            // dateutil takes a date without a year (02-15) as one of the current year.
            var year = _clock.GetUtcNow().Year;
            return DateTime.TryParseExact($"{year}-{value.Replace('/', '-')}", "yyyy-M-d", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? Timestamps.Format(new DateTimeOffset(date, TimeSpan.Zero))
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The elements of this name under a node, in document order, walked without recursion.</summary>
    static IEnumerable<IElement> Descendants(INode root, string name)
    {
        var work = new Stack<INode>();
        BeautifulSoupText.PushChildren(work, root);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node is not IElement element) continue;
            if (element.LocalName == name) yield return element;
            BeautifulSoupText.PushChildren(work, element);
        }
    }
}
