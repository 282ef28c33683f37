using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.HtmlTable;

/// <summary>Options of the HTML table parser, named as IntelMQ's html_table parser parameters.</summary>
public sealed record HtmlTableParserOptions : DhoParserOptions
{
    [Option("The field of each td cell of a row, in order (IntelMQ names), as a list or a comma-separated text. __IGNORE__ or an empty "
            + "name skips a cell; a|b tries field a, then b, for the same value.")]
    public string[] Columns { get; set; } = [];

    [Option("Per column, a value that means \"no value\" for that column, as a list or a comma-separated text of as many items as columns.",
        AlsoAccepts = ["array"])]
    public string? IgnoreValues { get; set; }

    [Option("Skip the table's first row (its head).", Aliases = ["skip_head"])]
    public bool SkipTableHead { get; set; } = true;

    [Option("Take only tables whose attribute of this name (with attribute_value) matches, e.g. class or id.")]
    public string? AttributeName { get; set; }

    [Option("The value attribute_name must have (for class: one of the element's classes).")]
    public string? AttributeValue { get; set; }

    [Option("Which of the (matching) tables to parse, from 0.", Min = 0)]
    public int TableIndex { get; set; }

    [Option("The field whose cell is split before it is added (with split_separator and split_index).")]
    public string? SplitColumn { get; set; }

    [Option("The text split_column's cell is split at.")]
    public string? SplitSeparator { get; set; }

    [Option("Which part of the split cell is the value, from 0.", Min = 0)]
    public int SplitIndex { get; set; }

    [Option("Prefixed to a *.url cell that has no scheme.")]
    public string DefaultUrlProtocol { get; set; } = "http://";

    [Option("How time.source and time.destination cells are written: timestamp, windows_nt, epoch_millis, from_format|%d-%m-%Y, "
            + "from_format_midnight|FORMAT, or none for the common forms.")]
    public string? TimeFormat { get; set; }

    [Option("classification.type of every event whose row does not give one.")]
    public string? Type { get; set; }

    [Option("IntelMQ's choice of BeautifulSoup parser (html.parser, lxml); accepted for compatibility: the report is always read by an HTML5 parser.")]
    public string HtmlParser { get; set; } = "html.parser";
}
