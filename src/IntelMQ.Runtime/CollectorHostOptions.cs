using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>How a collector is run (see <see cref="CollectorHost"/>). The instance id and producer come from <see cref="Context"/>.</summary>
public sealed record CollectorHostOptions
{
    public const long DefaultMaxReportSize = 64L << 20;

    public required ProgramInfo Program { get; init; }
    public object? Options { get; init; }

    /// <summary>What the collector is given; its <see cref="ProgramContext.Id"/> names the state, the dump entries and log lines.</summary>
    public required ProgramContext Context { get; init; }

    /// <summary>Output path name to channel URIs, as for <see cref="HostOptions.Outputs"/>; a collector sends to <c>_default</c> only.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Outputs { get; init; } = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = ["stdout:"] };

    /// <summary>Forces the format of every output channel; otherwise each channel's own.</summary>
    public MessageFormat? OutFormat { get; init; }

    public required string DumpPath { get; init; }

    /// <summary>The state file (<see cref="StateStore.PathFor"/> by default).</summary>
    public required string StatePath { get; init; }

    /// <summary>Null: collect once and return (one-shot). Otherwise run on this schedule until stopped.</summary>
    public CollectorSchedule? Schedule { get; init; }

    /// <summary>A report whose body is larger goes to the dump (<c>max_report_size</c>): over a channel a report is one message.</summary>
    public long MaxReportSize { get; init; } = DefaultMaxReportSize;

    /// <summary>feed.* fields (IDF paths) every report gets unless its collector set them (IntelMQ's name, provider, accuracy, code, documentation).</summary>
    public IReadOnlyDictionary<string, string> Feed { get; init; } = new Dictionary<string, string>();

    /// <summary>The waits between attempts to hand a report on while a destination is down, and after a collector's transient failure.</summary>
    public Backoff Backoff { get; init; } = Backoff.Default;
}
