namespace IntelMQ.Runtime;

/// <summary>What a one-shot run did.</summary>
public sealed record RunSummary(long Messages, IReadOnlyDictionary<string, long> EventsByPath, long Dumped, string DumpPath)
{
    public long Dropped { get; init; }

    /// <summary>Events given to the program: decoded from its messages (an expert, an output) or parsed out of its reports (a parser).</summary>
    public long EventsReceived { get; init; }

    /// <summary>A signal stopped the run before its input was done; what was made so far was handed on.</summary>
    public bool Interrupted { get; init; }

    /// <summary>The run ended early on an error it reported (a collector that failed unexpectedly).</summary>
    public bool Failed { get; init; }

    /// <summary>0: all went well; 1: some input went to the dump, or the run failed.</summary>
    public int ExitCode => Dumped > 0 || Failed ? 1 : 0;

    public long Events => EventsByPath.Values.Sum();
}
