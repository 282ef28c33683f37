using IntelMQ.Core;
using IntelMQ.Runtime.Observability;

namespace IntelMQ.Runtime;

/// <summary>
/// The runtime's own options, declared once: from here come the <c>intelmq run</c> flags (<c>batch_size</c> is
/// <c>--batch-size</c>), the keys of a program's YAML file, the man pages' synopsis and the JSON Schemas. IntelMQ's
/// framework parameters that mean the same thing are aliases.
/// </summary>
public sealed record RunOptions
{
    [Option("Input channel URI, e.g. 'redis://localhost:6379/2?queue=parser-queue' (see docs/channels.md).")]
    public string Input { get; set; } = "stdin:";

    [Option("Output channel: URI, or PATH=URI for a named output path (IntelMQ's named destination queues). Repeatable; default stdout:.")]
    public string[] Output { get; set; } = [];

    [Option("Input format: auto (detect per message), idf, ndjson or dho.")]
    public MessageFormat InFormat { get; set; } = MessageFormat.Auto;

    [Option("Output format of every output channel: idf (packets), ndjson or dho. Default: each channel's format= or its own default.")]
    public MessageFormat? OutFormat { get; set; }

    [Option("Where failures go (JSON lines with the error and position). Default: the state directory's dump/ID.jsonl.")]
    public string? Dump { get; set; }

    [Option("The instance's id: names consumers, in-flight queues, the dump, state and metrics. Default: the program name.", Aliases = ["bot_id"])]
    public string? Id { get; set; }

    [Option("Run until SIGTERM/SIGINT, then finish and acknowledge the current batch and exit.")]
    public bool Daemon { get; set; }

    [Option("Worker processes sharing the input as competing consumers, supervised (a crashed worker is restarted).", Min = 1, Max = 256, Aliases = ["instances_threads"])]
    public int Processes { get; set; } = 1;

    [Option("Messages received, processed, sent and acknowledged together.", Min = 1, Max = 1_000_000)]
    public int BatchSize { get; set; } = 500;

    [Option("After a batch's first message, keep receiving this long (milliseconds) to fill it: fewer, larger round trips.", Min = 0, Max = 600_000)]
    public int LingerMs { get; set; }

    [Option("When a message is bad (a permanent error): dump it and go on, retry it (retries times, then dump), or stop without acknowledging it.")]
    public ErrorPolicy OnError { get; set; } = ErrorPolicy.Dump;

    [Option("When a server is down or times out (a transient error): retry with backoff until it works (the batch stays unacknowledged, nothing is dumped), or stop.")]
    public TransientPolicy OnTransientError { get; set; } = TransientPolicy.Retry;

    [Option("Attempts before a bad message is dumped, with on_error retry.", Min = 0, Max = 1000, Aliases = ["error_max_retries"])]
    public int Retries { get; set; } = 3;

    [Option("First wait before a retry, in seconds; doubled on each attempt up to 30 s, with jitter.", Min = 0, Max = 3600, Aliases = ["error_retry_delay"])]
    public double RetryDelay { get; set; } = 1;

    [Option("Events a program drops on purpose (a filter) go to this named output path instead of being only counted.")]
    public string? DropPath { get; set; }

    [Option("Asynchronous experts (network lookups): events looked up at once.", Min = 1, Max = 10_000)]
    public int Concurrency { get; set; } = 32;

    [Option("Asynchronous experts: how long one event's lookup may take (milliseconds) before it counts as a transient failure.", Min = 1, Max = 3_600_000)]
    public int TimeoutMs { get; set; } = 30_000;

    [Option("Serve Prometheus metrics on /metrics, and /health and /ready probes, at HOST:PORT (e.g. 127.0.0.1:9108).")]
    public string? Metrics { get; set; }

    [Option("Also keep IntelMQ's statistics keys (ID.stats.success, ID.stats.failure, ID.total.PATH) in this Redis database, e.g. 'redis://localhost:6379/3', for tools that read them (docs/observability.md).", Aliases = ["statistics"])]
    public string? IntelmqStatistics { get; set; }

    [Option("Least important log level written: debug, info, warning, error or critical (IntelMQ's DEBUG, INFO, ... too).", Aliases = ["logging_level"])]
    public LogLevelName LogLevel { get; set; } = LogLevelName.Info;

    [Option("Log lines on standard error as text for people, or json lines for central logging.")]
    public LogFormat LogFormat { get; set; } = LogFormat.Text;

    [Option("Stop after N input messages.", Min = 1, CommandLineOnly = true)]
    public long? StopAfter { get; set; }

    [Option("Parsers: standard input is the body of one report (gzip and zip are read too), not JSON messages.", CommandLineOnly = true)]
    public bool Raw { get; set; }

    [Option("Fetch the program's newest reference data, verify it, swap it in atomically, and exit.", CommandLineOnly = true)]
    public bool SelfUpdateDb { get; set; }

    [Option("Run the program's own check of its data and logic, say what is wrong, and exit.", CommandLineOnly = true)]
    public bool SelfTest { get; set; }
}

/// <summary>What happens when a server is down or times out (<c>on_transient_error</c>).</summary>
public enum TransientPolicy
{
    /// <summary>Retry with backoff until it works; the batch stays unacknowledged and nothing is dumped.</summary>
    Retry,
    /// <summary>Stop the program without acknowledging the batch (exit 3), for a supervisor to decide.</summary>
    Stop,
}

public enum LogLevelName { Debug, Info, Warning, Error, Critical }
