using IntelMQ.Contract;

namespace IntelMQ.Experts.FormatField;

public sealed record FormatFieldExpertOptions
{
    [Option("IntelMQ fields whose text is stripped of strip_chars at both ends (list or comma-separated).")]
    public string[] StripColumns { get; set; } = [];

    [Option("The characters strip_columns removes.")]
    public string StripChars { get; set; } = " ";

    [Option("The IntelMQ field in which old_value is replaced by new_value.")]
    public string ReplaceColumn { get; set; } = "";

    [Option("The text to replace in replace_column.")]
    public string OldValue { get; set; } = "";

    [Option("The text put in its place.")]
    public string NewValue { get; set; } = "";

    [Option("How many occurrences to replace, from the start.", Min = 1)]
    public int ReplaceCount { get; set; } = 1;

    [Option("The IntelMQ field whose text is split into a list at split_separator.")]
    public string SplitColumn { get; set; } = "";

    [Option("Where split_column is split.")]
    public string SplitSeparator { get; set; } = ",";
}
