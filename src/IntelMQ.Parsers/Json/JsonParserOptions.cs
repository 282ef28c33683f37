using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Json;

/// <summary>Options of the IntelMQ JSON parser.</summary>
public sealed record JsonParserOptions : DhoParserOptions
{
    [Option("The report holds one IntelMQ event per line (JSON lines) instead of one event.")]
    public bool Splitlines { get; set; }

    [Option("The report is a JSON list of IntelMQ events.")]
    public bool MultipleEvents { get; set; }

    [Option("The longest line (or, without splitlines, report), in characters; a longer one is rejected and parsing goes on.", Min = 1024, Max = 1 << 30)]
    public int MaxLineSize { get; set; } = 16 << 20;
}
