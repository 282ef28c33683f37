using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>Everything a one-shot run needs, already validated.</summary>
public sealed record RunOptions
{
    public required ProgramInfo Program { get; init; }
    public object? Options { get; init; }
    public MessageFormat InFormat { get; init; } = MessageFormat.Auto;
    public MessageFormat OutFormat { get; init; } = MessageFormat.Idf;

    /// <summary>Named output path to file; <c>_default</c> goes to standard output unless given here.</summary>
    public IReadOnlyDictionary<string, string> OutputFiles { get; init; } = new Dictionary<string, string>();

    public required string DumpPath { get; init; }
    public long? StopAfter { get; init; }

    /// <summary>For parsers: the input is the body of one report, not JSON messages.</summary>
    public bool Raw { get; init; }

    public required string Producer { get; init; }
}
