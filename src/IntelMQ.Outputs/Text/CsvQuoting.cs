namespace IntelMQ.Outputs.Text;

/// <summary>When a CSV cell is put in double quotes (as Python's csv module's QUOTE_MINIMAL, QUOTE_ALL and QUOTE_NONE).</summary>
public enum CsvQuoting
{
    /// <summary>Only cells holding the delimiter, a quote or a line break.</summary>
    Minimal,

    /// <summary>Every cell.</summary>
    All,

    /// <summary>No cell: an event with a cell that would need quotes is refused.</summary>
    None,
}
