using System.Globalization;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// One program instance as configured in <c>config.d/ID.yaml</c> (see docs/configuration.md): its program, options,
/// channels, run mode and run settings, with the line of each key for messages.
/// </summary>
public sealed class InstanceConfig
{
    /// <summary>The file's name without .yaml: names the instance's dump, state, consumers and metrics.</summary>
    public required string Id { get; init; }

    public required string File { get; init; }

    /// <summary>The program as written: our name or an IntelMQ module.</summary>
    public required string ProgramName { get; init; }

    /// <summary>Null when this build has no such program.</summary>
    public ProgramInfo? Program { get; init; }

    public bool Enabled { get; init; } = true;
    public RunMode RunMode { get; init; }

    /// <summary>Seconds between two collections, with <see cref="RunMode.Interval"/>.</summary>
    public double? Interval { get; init; }

    /// <summary>A cron expression, with <see cref="RunMode.Cron"/>.</summary>
    public string? Schedule { get; init; }

    public double? ScheduleJitter { get; init; }

    /// <summary>The program's options (<c>options:</c>), as read from YAML: text, lists of text, mappings or null.</summary>
    public required IReadOnlyDictionary<string, object?> Options { get; init; }

    /// <summary>The run settings at the top level (batch_size, on_error, processes, metrics...), but input and output.</summary>
    public required IReadOnlyDictionary<string, object?> Settings { get; init; }

    /// <summary>The input channel URI; null for standard input (and for collectors, which have none).</summary>
    public string? Input { get; init; }

    /// <summary>Output path names to channel URIs; empty for standard output.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Outputs { get; init; }

    /// <summary>The line of each key: <c>program</c>, <c>input</c>, <c>output.PATH</c>, <c>options.NAME</c>, a setting's name.</summary>
    public required IReadOnlyDictionary<string, int> Lines { get; init; }

    public int LineOf(string key) => Lines.GetValueOrDefault(key, Lines.GetValueOrDefault("program"));

    public ProgramKind? Kind => Program?.Kind;

    /// <summary>The values as <c>intelmq run</c> binds them (options and run settings in one mapping, as a <c>--config</c> file gives them).</summary>
    public Dictionary<string, object?> RunValues()
    {
        var values = new Dictionary<string, object?>(Options, StringComparer.Ordinal);
        foreach (var (key, value) in Settings) values[key] = value;
        if (Input is not null) values["input"] = Input;
        if (Outputs.Count > 0) values["output"] = Outputs.ToDictionary(p => p.Key, p => (object?)p.Value.ToArray(), StringComparer.Ordinal);
        values["id"] = Id;
        values["daemon"] = RunMode != RunMode.Once;
        if (Interval is { } interval) values["rate_limit"] = interval.ToString(CultureInfo.InvariantCulture);
        if (Schedule is not null) values["schedule"] = Schedule;
        if (ScheduleJitter is { } jitter) values["schedule_jitter"] = jitter.ToString(CultureInfo.InvariantCulture);
        return values;
    }
}
