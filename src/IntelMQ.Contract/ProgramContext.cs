using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IntelMQ.Contract;

/// <summary>
/// What the host gives a program besides its options: who it is, the time, where it may keep files, and a logger.
/// Library code reads none of these from the environment itself. A program takes it as a second constructor argument.
/// </summary>
public sealed record ProgramContext
{
    /// <summary>The instance's id (several instances of one program have different ids).</summary>
    public string Id { get; init; } = "";

    /// <summary>The installation's producer id, written into IDF packets.</summary>
    public string Producer { get; init; } = "intelmq";

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where the program's reference data lives (shared by its instances); null when the host gives none.</summary>
    public string? DataDirectory { get; init; }

    public ILogger Log { get; init; } = NullLogger.Instance;

    /// <summary>
    /// The program runs until it is stopped (a daemon), so state it keeps (counting windows) should outlive a restart.
    /// A one-shot run starts afresh, as a new IntelMQ bot with an empty cache does.
    /// </summary>
    public bool Daemon { get; init; }

    /// <summary>How many processes run this instance side by side (<c>--processes</c>): state kept in a local file serves one.</summary>
    public int Processes { get; init; } = 1;

    /// <summary>The output paths that lead somewhere in this run; null when the host does not say (every path counts).</summary>
    public IReadOnlySet<string>? ConnectedPaths { get; init; }

    /// <summary>
    /// Whether an event emitted to <paramref name="path"/> goes anywhere: a program that would copy an event for a
    /// side path (the filter's filter_match) skips the copy when nothing reads it.
    /// </summary>
    public bool IsConnected(string path) => ConnectedPaths?.Contains(path) ?? true;

    public static ProgramContext Default { get; } = new();
}
