namespace IntelMQ.Runtime;

/// <summary>What a one-shot run did.</summary>
public sealed record RunSummary(long Messages, IReadOnlyDictionary<string, long> EventsByPath, long Dumped, string DumpPath)
{
    /// <summary>0: all went well; 1: some input went to the dump.</summary>
    public int ExitCode => Dumped > 0 ? 1 : 0;

    public long Events => EventsByPath.Values.Sum();
}
