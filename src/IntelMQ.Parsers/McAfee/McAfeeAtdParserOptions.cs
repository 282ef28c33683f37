using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.McAfee;

/// <summary>Options of the McAfee ATD parser.</summary>
public sealed record McAfeeAtdParserOptions : DhoParserOptions
{
    [Option("The lowest verdict severity (Summary.Verdict.Severity, 0 to 5) whose report gives events; a report below it is dropped (counted, with the reason).",
        Min = -1, Max = 5)]
    public int VerdictSeverity { get; set; } = 4;
}
