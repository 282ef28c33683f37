using IntelMQ.Contract;

namespace IntelMQ.Parsers.Stix;

/// <summary>Options of the STIX 2.1 parser.</summary>
public sealed record StixParserOptions
{
    /// <summary>The default largest STIX object, in bytes.</summary>
    public const int DefaultMaxSize = 16 << 20;

    [Option("The largest single STIX object read, in bytes (a report of any size is streamed one object at a time); a larger object goes to the dump with its position and first bytes, and the rest of the report goes on.", Min = 1024)]
    public int MaxSize { get; set; } = DefaultMaxSize;
}
