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

    public static ProgramContext Default { get; } = new();
}
