using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.KeyValue;

/// <summary>Options of the key=value parser, named as IntelMQ's.</summary>
public sealed record KeyValueParserOptions : DhoParserOptions
{
    [Option("The text between two key=value pairs.")]
    public string PairSeparator { get; set; } = " ";

    [Option("The text between a key and its value.")]
    public string KvSeparator { get; set; } = "=";

    [Option("The keys of the log mapped to IntelMQ fields (srcip: source.ip); other keys are ignored. A time.source value that is a number is seconds since 1970.")]
    public IReadOnlyDictionary<string, string>? Keys { get; set; }

    [Option("Remove the quotes around a value (\"192.0.2.1\" becomes 192.0.2.1).")]
    public bool StripQuotes { get; set; } = true;

    [Option("The longest line, in characters; a longer one is rejected and parsing goes on.", Min = 1024, Max = 1 << 30)]
    public int MaxLineSize { get; set; } = 1 << 20;
}
