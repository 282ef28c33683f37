using IntelMQ.Runtime.Channels;
using Microsoft.Data.Sqlite;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The SQLite queue a collector under a crash test hands its reports to. The test takes the queue's write lock when
/// the collector's source answers the fetch, so the hand-off waits, and the collector is SIGKILLed before it completes.
/// </summary>
public sealed class LockedQueue : IDisposable
{
    readonly IntelMQCommand _intelmq;
    SqliteConnection? _lock;

    public LockedQueue(IntelMQCommand intelmq)
    {
        _intelmq = intelmq;
        // The queue's tables exist before any collector opens it, so opening needs no write.
        IntelMQ.Cli.Channels.Catalog.OpenOutput(Uri, new ChannelContext("test", 0, TextWriter.Null)).DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    string Database => _intelmq.PathOf("queues.db");

    public string Uri => $"sqlite:{Database}?queue=reports";

    /// <summary>Set once the lock is taken: the source has answered the fetch the test waits for.</summary>
    public TaskCompletionSource Fetched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes the write lock (the collector's send then waits) unless it was taken before, and sets <see cref="Fetched"/>.</summary>
    public void Lock()
    {
        lock (Fetched)
        {
            if (Fetched.Task.IsCompleted) return;
            _lock = new SqliteConnection($"Data Source={Database};Pooling=False");
            _lock.Open();
            using var begin = _lock.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
            Fetched.TrySetResult();
        }
    }

    /// <summary>Runs the collector until the source answered the fetch (the queue then locked), SIGKILLs it and unlocks the queue.</summary>
    public async Task CrashAsync(string[] args, CancellationToken ct)
    {
        using (var process = _intelmq.Start([.. args, "--output", Uri]))
        {
            try
            {
                await Fetched.Task.WaitAsync(TimeSpan.FromSeconds(120), ct);
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync(ct);
            }
        }
        Unlock();
    }

    /// <summary>Releases the write lock, so that the next run can hand on.</summary>
    public void Unlock()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>Runs the collector once, as `intelmq run` does; it must succeed.</summary>
    public void Run(string[] args)
    {
        var run = _intelmq.Run("", [.. args, "--output", Uri]);
        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    /// <summary>The bodies of the queued reports, oldest first.</summary>
    public List<string> Bodies()
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT body FROM messages WHERE queue = 'reports' ORDER BY id";
        using var reader = select.ExecuteReader();
        var bodies = new List<string>();
        while (reader.Read()) bodies.Add(QueueReports.Body(reader[0] as string ?? System.Text.Encoding.UTF8.GetString((byte[])reader[0])));
        return bodies;
    }

    /// <summary>The collector's stored state (var/collectors/ID.json), or "" before any was stored.</summary>
    public string State(string id) => File.Exists(_intelmq.PathOf($"var/collectors/{id}.json")) ? File.ReadAllText(_intelmq.PathOf($"var/collectors/{id}.json")) : "";

    public void Dispose() => _lock?.Dispose();
}
