using IntelMQ.Contract;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Stix;

/// <summary>Options of the STIX 2.1 parser.</summary>
public sealed record StixParserOptions
{
    [Option("The largest bundle or TAXII envelope read, in characters; a larger report is refused with that reason (a TAXII collector pages long collections into envelopes well below it).", Min = 1024)]
    public int MaxSize { get; set; } = JsonReport.MaxSize;
}
