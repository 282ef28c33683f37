using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.GenericCsv;

/// <summary>
/// IntelMQ's generic CSV parser: any delimited text whose columns are mapped to fields by configuration. Streams the
/// report line by line; a row that fails goes to the dump as it came, with its line number, and the rest go on.
/// </summary>
[Program("generic-csv-parser", ProgramKind.Parser, "Parses any CSV or otherwise delimited feed, its columns mapped to fields by configuration.",
    Modules = ["intelmq.bots.parsers.generic.parser_csv", "intelmq.bots.parsers.generic.csv_parser"],
    Options = typeof(GenericCsvParserOptions),
    Description = """
        Reads delimited text (comma, tab, space, ...) with Python's CSV rules and emits one event per row, each cell going to the
        field its column names (columns), converted on the way: column_regex_search takes part of a cell, time.* cells are read as
        time_format says, URLs without a scheme get default_url_protocol, data_type json parses JSON cells, type_translation maps
        the feed's classification types. Lines whose first non-blank character is # and blank lines are skipped, as are the first
        skip_header lines (kept at the head of every event's event.original) and lines filter_text/filter_type exclude.
        event.original is the row as IntelMQ writes it: its cells joined by commas with Python's minimal quoting, after the
        skipped header lines, each ended by \r\n when the report uses \r\n (or has no line end at all) and by \n otherwise.
        A row whose required cell fits none of its column's fields goes to the dump with its line number and the row as it came
        (IntelMQ dumps the report re-joined character by character: a known bug, not reproduced). An event's classification.type
        comes from a column, else type, else default_fields.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["*"],
    Examples =
    [
        "intelmq run generic-csv-parser --raw --set columns='[\"source.ip\",\"source.url\"]' --set skip_header=true --set type=malware-distribution < feed.csv",
        "intelmq run intelmq.bots.parsers.generic.parser_csv --in-format dho --out-format dho --config csv-parser.yaml < reports.jsonl",
    ])]
public sealed class GenericCsvParser : IParser
{
    const string Program = "generic-csv-parser";
    static readonly string ClassificationTypeField = DhoMapping.ToIdf("classification.type")!;

    readonly GenericCsvParserOptions _options;
    readonly ColumnMapping _columns;
    readonly char _delimiter;
    readonly int _skip;
    readonly bool? _keepMatching;

    /// <exception cref="ConfigurationException">An option is invalid; the message says which and how to fix it.</exception>
    public GenericCsvParser(GenericCsvParserOptions? options = null)
    {
        _options = options ?? new GenericCsvParserOptions();
        _columns = new ColumnMapping(Program, _options.Columns, _options.ColumnRegexSearch, _options.TimeFormat, _options.DefaultUrlProtocol,
            _options.DataType, _options.TypeTranslation, _options.ColumnsRequired);
        // IntelMQ's University of Toulouse feed sets delimiter 'false' for its one-cell lines: no delimiter.
        var delimiter = _options.Delimiter switch { "\\t" => "\t", "false" => "\0", var d => d };
        if (delimiter.Length != 1) throw new ConfigurationException($"{Program}: option 'delimiter' must be one character, got '{_options.Delimiter}'.");
        _delimiter = delimiter[0];
        _skip = _options.SkipHeader?.Trim().ToLowerInvariant() switch
        {
            null or "" or "false" or "no" => 0,
            "true" or "yes" => 1,
            var n when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var lines) => lines,
            var n when double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && d >= 0 && d < int.MaxValue => (int)d,
            _ => throw new ConfigurationException($"{Program}: option 'skip_header' must be true, false or a number of lines, got '{_options.SkipHeader}'."),
        };
        _keepMatching = (_options.FilterText is { Length: > 0 }, _options.FilterType?.ToLowerInvariant()) switch
        {
            (false, _) or (_, null or "") => null,
            (true, "whitelist") => true,
            (true, "blacklist") => false,
            _ => throw new ConfigurationException($"{Program}: option 'filter_type' must be whitelist or blacklist, got '{_options.FilterType}'."),
        };
        foreach (var (key, template) in _options.ComposeFields ?? new Dictionary<string, string>())
            if (DhoMapping.ToIdf(key) is null) throw new ConfigurationException($"{Program}: option 'compose_fields': '{key}' is not an IntelMQ field.");
        foreach (var (key, _) in _options.DefaultFields ?? new Dictionary<string, string>())
            if (DhoMapping.ToIdf(key) is null) throw new ConfigurationException($"{Program}: option 'default_fields': '{key}' is not an IntelMQ field.");
    }

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        // Refused per report rather than at start: a program must run with its defaults (the conformance harness runs it so).
        if (_columns.Count == 0)
            throw new InvalidDataException($"{Program}: option 'columns' is not set: give the field of each column in order, e.g. [\"source.ip\", \"__IGNORE__\", \"source.url\"].");
        var lines = new LineReader(body, _options.MaxLineSize);
        var header = new List<string>();
        var cells = new List<string>();
        var sawCrLf = false;
        var sawLf = false;
        string? headText = null;
        while (lines.Read(out var ending) is { } line)
        {
            sawCrLf |= ending == "\r\n";
            sawLf |= ending.Length > 0;
            var start = lines.Number;
            if (lines.TooLong)
            {
                output.Reject($"line {start}", line, new InvalidDataException($"the line is longer than max_line_size ({_options.MaxLineSize} characters)"));
                continue;
            }
            if (line.Contains('\0')) line = line.Replace("\0", "", StringComparison.Ordinal); // IntelMQ removes NUL characters
            if (IsCommentOrBlank(line)) continue;
            if (header.Count < _skip)
            {
                header.Add(line);
                continue;
            }
            // A quoted cell may hold line ends: the record goes on until its quotes close.
            var record = line;
            var tooLong = false;
            while (!PythonCsv.TrySplit(record, _delimiter, cells))
            {
                if (record.Length > _options.MaxLineSize) { tooLong = true; break; }
                if (lines.Read(out var more) is not { } next) break;
                record = record + ending + next;
                ending = more;
                sawCrLf |= more == "\r\n";
                sawLf |= more.Length > 0;
            }
            var position = lines.Number == start ? $"line {start}" : $"lines {start}-{lines.Number}";
            if (tooLong)
            {
                output.Reject(position, record, new InvalidDataException($"the record is longer than max_line_size ({_options.MaxLineSize} characters)"));
                continue;
            }
            if (_keepMatching is { } keep && record.Contains(_options.FilterText!, StringComparison.Ordinal) != keep) continue;
            var end = sawCrLf || !sawLf ? "\r\n" : "\n";
            headText ??= header.Count == 0 ? "" : string.Join(end, header) + end;
            try
            {
                output.Emit(Build(report, cells, headText, PythonCsv.Join(cells) + end));
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException or JsonException or RegexMatchTimeoutException)
            {
                output.Reject(position, record + ending, ex);
            }
        }
    }

    Event Build(Event report, List<string> cells, string head, string row)
    {
        var ev = DhoEvent.New(report, _options);
        _columns.Apply(ev, cells);
        foreach (var (key, template) in _options.ComposeFields ?? new Dictionary<string, string>())
            DhoEvent.Add(ev, key, ColumnMapping.Compose(template, cells), overwrite: true);
        if (_options.Type is { Length: > 0 } type && !ev.Contains(ClassificationTypeField)) ev.Add(ClassificationTypeField, type);
        return DhoEvent.Complete(ev, _options, head, row);
    }

    static bool IsCommentOrBlank(string line)
    {
        var text = line.AsSpan().TrimStart(" \t");
        return text.Length == 0 || text[0] == '#';
    }
}
