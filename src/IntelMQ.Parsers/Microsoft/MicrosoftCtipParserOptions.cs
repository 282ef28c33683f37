using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Microsoft;

/// <summary>Options of the Microsoft CTIP parser.</summary>
public sealed record MicrosoftCtipParserOptions : DhoParserOptions
{
    [Option("Replace the report's feed.name with a CTIP Azure record's DataFeed (without it, DataFeed is used only when the report has no feed.name).")]
    public bool Overwrite { get; set; }
}
