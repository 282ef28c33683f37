using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.GenericCsv;

/// <summary>Options of the generic CSV parser, named as IntelMQ's generic CSV parser parameters.</summary>
public sealed record GenericCsvParserOptions : DhoParserOptions
{
    [Option("The field of each column, in order (IntelMQ names: source.ip, extra.x), as a list or a comma-separated text. "
            + "__IGNORE__ or an empty name skips a column; a|b tries field a, then b, for the same value (source.ip|source.network, source.url|__IGNORE__).")]
    public string[] Columns { get; set; } = [];

    [Option("Per field, a regular expression whose first match in the cell is taken as the value (source.asn: [0-9]+ takes 65536 from AS65536); no match, no value.")]
    public IReadOnlyDictionary<string, string>? ColumnRegexSearch { get; set; }

    [Option("Fields composed from several columns with Python's format syntax over the cells by index: source.url: http://{0}{1}.")]
    public IReadOnlyDictionary<string, string>? ComposeFields { get; set; }

    [Option("Prefixed to a URL cell that has no scheme (http://).")]
    public string? DefaultUrlProtocol { get; set; }

    [Option("The character between cells (\\t for tabs; false for none: each line is one cell).")]
    public string Delimiter { get; set; } = ",";

    [Option("Lines to skip at the start, after comments and blank lines (true is 1, false 0); they are kept at the head of each event's event.original.")]
    public string? SkipHeader { get; set; }

    [Option("How time.* cells are written: timestamp, windows_nt, epoch_millis, from_format|%d-%m-%Y, from_format_midnight|FORMAT, or none for the common forms.")]
    public string? TimeFormat { get; set; }

    [Option("classification.type of every event whose row does not give one (IntelMQ deprecates it for default_fields).")]
    public string? Type { get; set; }

    [Option("Per field, a data type of its cells: json parses the cell as JSON (extra.tags: json).")]
    public IReadOnlyDictionary<string, string>? DataType { get; set; }

    [Option("Text a line must contain (filter_type whitelist) or must not contain (blacklist) to be parsed; other lines are skipped.")]
    public string? FilterText { get; set; }

    [Option("whitelist or blacklist: how filter_text applies.")]
    public string? FilterType { get; set; }

    [Option("The feed's values of a classification.type column mapped to IntelMQ's types (malware_download: malware-distribution); a JSON object in a text works too.")]
    public IReadOnlyDictionary<string, string>? TypeTranslation { get; set; }

    [Option("Per column, true or false: whether a value that none of the column's fields takes fails the row (default: true for every column).")]
    public string[]? ColumnsRequired { get; set; }

    [Option("The longest line, in characters; a longer one is rejected (its start goes to the dump) and parsing goes on.", Min = 1024, Max = 1 << 30)]
    public int MaxLineSize { get; set; } = 1 << 20;
}
