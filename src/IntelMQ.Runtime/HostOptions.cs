using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>How a program is run: its channels, batching, error handling and run mode. Validated before the run.</summary>
public sealed record HostOptions
{
    public required ProgramInfo Program { get; init; }
    public object? Options { get; init; }

    /// <summary>The instance's id (names consumers, in-flight queues, dumps); the program's name by default.</summary>
    public required string ProgramId { get; init; }

    public int WorkerId { get; init; }

    /// <summary>The input channel URI (<c>stdin:</c> by default).</summary>
    public string Input { get; init; } = "stdin:";

    /// <summary>
    /// Output path name to channel URIs; <c>_default</c> is the path experts and parsers emit to. A path with several
    /// channels sends to all of them (IntelMQ's several destination queues of one path).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Outputs { get; init; } = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = ["stdout:"] };

    public MessageFormat InFormat { get; init; } = MessageFormat.Auto;

    /// <summary>Forces the format of every output channel (<c>--out-format</c>); otherwise each channel's <c>format=</c> or default.</summary>
    public MessageFormat? OutFormat { get; init; }

    public required string DumpPath { get; init; }
    public long? StopAfter { get; init; }

    /// <summary>Run until stopped (SIGTERM/SIGINT) instead of until the input is exhausted or idle.</summary>
    public bool Daemon { get; init; }

    /// <summary>Parsers: the input is the body of one report (standard input), streamed.</summary>
    public bool Raw { get; init; }

    /// <summary>Messages received and acknowledged together.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long to keep filling a batch after its first message arrived (0: take what is there).</summary>
    public TimeSpan Linger { get; init; }

    /// <summary>How long to wait for input before a one-shot run counts its input as exhausted.</summary>
    public TimeSpan IdleWait { get; init; } = TimeSpan.FromSeconds(1);

    public ErrorPolicy OnError { get; init; } = ErrorPolicy.Dump;
    public TransientPolicy OnTransientError { get; init; } = TransientPolicy.Retry;

    /// <summary>Named output path that dropped events go to (null: only counted).</summary>
    public string? DropPath { get; init; }

    /// <summary>Asynchronous experts: events looked up at once, and how long one may take.</summary>
    public int Concurrency { get; init; } = 32;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxRetries { get; init; } = 3;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What the program is given besides its options (id, producer, clock, data directory, logger).</summary>
    public required ProgramContext Context { get; init; }

    /// <summary>The producer tag of IDF packets: the installation's, as the program's context says.</summary>
    public string Producer => Context.Producer;
}
