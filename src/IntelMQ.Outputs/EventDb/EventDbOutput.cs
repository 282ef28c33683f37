using System.Net.Sockets;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IntelMQ.Outputs.EventDb;

/// <summary>Writes events into the normalised, time-partitioned eventdb (docs/eventdb.md).</summary>
[Program("eventdb-output", ProgramKind.Output, "Writes events into the normalised eventdb in PostgreSQL: reference tables, monthly partitions, IntelMQ's flat events as a view.",
    Options = typeof(EventDbOutputOptions),
    Description = """
        Writes events into the eventdb schema (docs/eventdb.md): feeds, classifications, networks (AS, prefix,
        registry, country) and abuse contacts are reference rows, each stored once; an event row points to them and
        keeps addresses, ports, domains, URLs and times as columns, the raw text, custom (IntelMQ's extra) as jsonb
        and every other field as jsonb by IDF path. The event table is partitioned by time.source (else
        time.observation): a batch first creates the partitions its times need (under an advisory lock, so several
        writers create a month once), then is COPYed (binary) into a staging table and inserted with its reference
        rows in one transaction, in one round trip. An event is stored under its IDF id: a replayed batch writes
        nothing twice. An empty database gets the schema on first use (with partition_interval); an older schema
        waits for `intelmq db migrate`. PostgreSQL refusing an event (a NUL character, say) refuses that event alone
        with its message; an event older than the partitions `intelmq db detach` removed is refused. A lost
        connection, a timeout or a missing schema retries the batch later. The view eventdb.events has IntelMQ's
        flat columns, so existing queries run with search_path = eventdb.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run eventdb-output --set host=db.example.org --set database=intelmq-events --set user=intelmq --set password=secret < events.jsonl",
        "intelmq run eventdb-output --set host=/var/run/postgresql --set partition_interval=week < events.jsonl",
    ])]
public sealed class EventDbOutput : IOutput, IHealthCheck, IDisposable
{
    readonly EventDbOutputOptions _options;
    readonly ProgramContext _context;
    readonly EventDatabase _database;
    NpgsqlConnection? _connection;
    EventWriter? _writer;

    public EventDbOutput(EventDbOutputOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        _database = new EventDatabase(options);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        try
        {
            var writer = await OpenAsync(cancellationToken);
            await writer.WriteAsync(events, results, null, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or ConfigurationException)
        {
            Close(); // reopened for the retry: the connection may be broken, the schema migrated meanwhile
            throw new TransientException($"eventdb-output: {_database.Name}: {ex.Message}", ex);
        }
        catch (OperationCanceledException)
        {
            Close(); // a COPY cut short leaves the connection in no state to reuse
            throw;
        }
    }

    /// <summary>Connects on a connection of its own and checks the schema's version.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            await _database.RequireCurrentAsync(connection, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or ConfigurationException)
        {
            throw new InvalidOperationException($"eventdb-output: cannot use {_database.Name}: {ex.Message}", ex);
        }
    }

    async ValueTask<EventWriter> OpenAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null) return _writer;
        var connection = await _database.OpenAsync(cancellationToken);
        try
        {
            if (await EventDatabase.VersionAsync(connection, null, cancellationToken) == 0)
                await EventDatabase.ApplyAsync(connection, _options.PartitionInterval, EventDatabase.CurrentVersion, cancellationToken);
            await _database.RequireCurrentAsync(connection, cancellationToken);
            var writer = await EventWriter.OpenAsync(connection, _options.CommandTimeout, _context.Clock.GetUtcNow(), "eventdb-output", cancellationToken);
            if (writer.Interval != _options.PartitionInterval)
                _context.Log.LogWarning("eventdb-output: the database {Database} is partitioned by {Interval}, not by {Option} as partition_interval says; it keeps the interval it was created with.",
                    _database.Name, writer.Interval, _options.PartitionInterval);
            (_connection, _writer) = (connection, writer);
            return writer;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    void Close()
    {
        _connection?.Dispose();
        (_connection, _writer) = (null, null);
    }

    public void Dispose() => Close();
}
