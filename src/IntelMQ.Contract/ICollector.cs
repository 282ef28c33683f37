using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>
/// Fetches reports (an HTTP download, a mail's attachments, a directory's files). The runtime calls
/// <see cref="CollectAsync"/> on the program's schedule and hands every report on; only when everything made from a
/// report is confirmed downstream does it commit the report's <see cref="CollectedReport.Checkpoint"/> to the state
/// store and run its <see cref="CollectedReport.Commit"/>. A crash or a failed hand-off repeats the report, never skips it.
/// </summary>
public interface ICollector
{
    /// <param name="state">What earlier runs committed (ETags, last-seen ids, IMAP UIDs), read-only here.</param>
    IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken);
}

/// <summary>The committed state of a collector instance: keys and values that survive restarts.</summary>
public interface ICollectorState
{
    string? Get(string key);
}

/// <summary>One report: its metadata, its body as a stream (a 2 GB download is never one string), and what collecting it implies.</summary>
public sealed class CollectedReport(Event report, Stream body) : IAsyncDisposable
{
    /// <summary>The report's metadata: feed.*, custom.file_name, the feed's URL. <c>event.original</c> is not set: the body is.</summary>
    public Event Report { get; } = report;

    public Stream Body { get; } = body;

    /// <summary>State to store once the report is handed on (null values remove a key).</summary>
    public IReadOnlyDictionary<string, string?> Checkpoint { get; init; } = new Dictionary<string, string?>();

    /// <summary>What to do once the report is handed on: mark a mail seen, delete or move a file. Runs after the checkpoint is stored.</summary>
    public Func<CancellationToken, ValueTask>? Commit { get; init; }

    /// <summary>Where the report came from, for logs and dumps (a URL without credentials, a file name, a mail's id).</summary>
    public string Origin { get; init; } = "";

    /// <summary>
    /// Why this report cannot be handed on (a corrupt archive member): the host dumps its metadata with this error
    /// instead of sending it, then stores its checkpoint and runs its commit as for a report handed on.
    /// </summary>
    public Exception? Error { get; init; }

    public ValueTask DisposeAsync() => Body.DisposeAsync();
}
