using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.ZoneH;

/// <summary>Options of the Zone-H parser.</summary>
public sealed record ZoneHParserOptions : DhoParserOptions
{
    [Option("The report's kind as IntelMQ's configuration names it (Compromised-Website); accepted for compatibility, every report is read the same way.")]
    public string? Feedname { get; set; }
}
