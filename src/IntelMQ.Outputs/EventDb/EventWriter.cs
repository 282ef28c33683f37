using IntelMQ.Contract;
using IntelMQ.Core;
using Npgsql;
using NpgsqlTypes;

namespace IntelMQ.Outputs.EventDb;

/// <summary>
/// Writes batches of events into the eventdb on one connection: partitions for the batch's periods first (a short
/// transaction of their own), then one transaction that COPYs the batch into a temporary staging table and, in one
/// round trip, inserts the reference rows it names and the events (ON CONFLICT DO NOTHING: a replay writes nothing
/// twice). A batch PostgreSQL refuses is written again under savepoints, halved until the refused events are found.
/// </summary>
internal sealed class EventWriter
{
    const string Staging = "eventdb_staging";

    static readonly string CopyCommand = $"COPY {Staging} ({string.Join(", ", EventRow.Columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)";

    static readonly string[] Statements =
    [
        $"""
        INSERT INTO eventdb.feed (id, name, provider, accuracy, code, documentation, url)
        SELECT DISTINCT ON (feed_id) feed_id, feed_name, feed_provider, feed_accuracy, feed_code, feed_documentation, feed_url
        FROM {Staging} WHERE feed_id IS NOT NULL ORDER BY feed_id ON CONFLICT (id) DO NOTHING
        """,
        $"""
        INSERT INTO eventdb.classification (id, taxonomy, type, identifier)
        SELECT DISTINCT ON (classification_id) classification_id, classification_taxonomy, classification_type, classification_identifier
        FROM {Staging} WHERE classification_id IS NOT NULL ORDER BY classification_id ON CONFLICT (id) DO NOTHING
        """,
        $"""
        INSERT INTO eventdb.network (id, asn, as_name, network, registry, country)
        SELECT DISTINCT ON (id) * FROM (
            SELECT source_network_id, source_asn, source_as_name, source_network, source_registry, source_country FROM {Staging} WHERE source_network_id IS NOT NULL
            UNION ALL
            SELECT destination_network_id, destination_asn, destination_as_name, destination_network, destination_registry, destination_country FROM {Staging} WHERE destination_network_id IS NOT NULL
        ) n (id, asn, as_name, network, registry, country) ORDER BY id ON CONFLICT (id) DO NOTHING
        """,
        $"""
        INSERT INTO eventdb.contact (id, abuse_contact)
        SELECT DISTINCT ON (id) * FROM (
            SELECT source_contact_id, source_abuse_contact FROM {Staging} WHERE source_contact_id IS NOT NULL
            UNION ALL
            SELECT destination_contact_id, destination_abuse_contact FROM {Staging} WHERE destination_contact_id IS NOT NULL
        ) c (id, abuse_contact) ORDER BY id ON CONFLICT (id) DO NOTHING
        """,
        $"""
        INSERT INTO eventdb.event (id, time, time_source, time_observation, feed_id, classification_id,
            source_ip, source_port, source_fqdn, source_url, source_network_id, source_contact_id,
            destination_ip, destination_port, destination_fqdn, destination_url, destination_network_id, destination_contact_id,
            original, custom, attributes)
        SELECT id, time, time_source, time_observation, feed_id, classification_id,
            source_ip, source_port, source_fqdn, source_url, source_network_id, source_contact_id,
            destination_ip, destination_port, destination_fqdn, destination_url, destination_network_id, destination_contact_id,
            original, custom, attributes
        FROM {Staging} ORDER BY ord ON CONFLICT (id, time) DO NOTHING
        """,
        $"TRUNCATE {Staging}",
    ];

    readonly NpgsqlConnection _connection;
    readonly int _commandTimeout;
    readonly string _owner;
    readonly HashSet<DateTime> _periods = [];
    DateTime? _detachedBefore;

    EventWriter(NpgsqlConnection connection, PartitionInterval interval, int commandTimeout, string owner)
    {
        _connection = connection;
        Interval = interval;
        _commandTimeout = commandTimeout;
        _owner = owner;
    }

    /// <summary>The database's partition interval, fixed when it was initialised.</summary>
    public PartitionInterval Interval { get; }

    /// <summary>Prepares a connection to an eventdb of the current version: the staging table, this period's and the next one's partitions.</summary>
    /// <param name="owner">Names the writer in refusal reasons ("eventdb-output").</param>
    public static async Task<EventWriter> OpenAsync(NpgsqlConnection connection, int commandTimeout, DateTimeOffset now, string owner, CancellationToken cancellationToken)
    {
        await using (var query = new NpgsqlCommand("SELECT value FROM eventdb.setting WHERE name = 'partition_interval'", connection))
        {
            var text = (string?)await query.ExecuteScalarAsync(cancellationToken);
            var interval = Enum.Parse<PartitionInterval>(text ?? "month", ignoreCase: true);
            var writer = new EventWriter(connection, interval, commandTimeout, owner);
            await using var create = new NpgsqlCommand(
                $"CREATE TEMP TABLE IF NOT EXISTS {Staging} ({string.Join(", ", EventRow.Columns.Select(c => $"{c.Name} {c.SqlType}"))})", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            var current = EventRow.PeriodStart(now.UtcDateTime, interval);
            await writer.EnsurePartitionsAsync([current, EventRow.NextPeriod(current, interval)], cancellationToken);
            return writer;
        }
    }

    /// <param name="beforeCommit">Runs in the batch's transaction after the events were written (the importer records its progress there).</param>
    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, Func<NpgsqlTransaction, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken)
    {
        var rows = new List<object?[]>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (EventRow.Create(events[i], i, out var error) is { } row) rows.Add(row);
            else results[i] = WriteResult.Refused($"{_owner}: {error}");
        }
        await EnsurePartitionsAsync(rows, cancellationToken);
        if (_detachedBefore is { } retained)
            rows.RemoveAll(row =>
            {
                if ((DateTime)row[EventRow.Time]! >= retained) return false;
                results[(int)row[EventRow.Ord]!] = WriteResult.Refused(
                    $"{_owner}: the event's time {(DateTime)row[EventRow.Time]!:yyyy-MM-dd HH:mm:ss}Z is before {retained:yyyy-MM-dd HH:mm:ss}Z, before which the partitions were detached (intelmq db detach)");
                return true;
            });
        if (rows.Count == 0 && beforeCommit is null) return;

        var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        try
        {
            try
            {
                await WritePartAsync(rows, 0, rows.Count, transaction, cancellationToken);
            }
            catch (PostgresException ex) when (IsAboutARow(ex))
            {
                await transaction.RollbackAsync(cancellationToken);
                await transaction.DisposeAsync();
                transaction = await _connection.BeginTransactionAsync(cancellationToken);
                await WriteHalvingAsync(rows, results, transaction, cancellationToken);
            }
            if (beforeCommit is not null) await beforeCommit(transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await transaction.DisposeAsync();
        }
    }

    /// <summary>Writes parts under savepoints; a refused part is undone and halved until the refused events are alone.</summary>
    async Task WriteHalvingAsync(List<object?[]> rows, WriteResult[] results, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var parts = new Stack<(int Start, int Count)>();
        parts.Push((0, rows.Count));
        while (parts.TryPop(out var part))
        {
            if (part.Count == 0) continue;
            await transaction.SaveAsync("part", cancellationToken);
            try
            {
                await WritePartAsync(rows, part.Start, part.Count, transaction, cancellationToken);
                await transaction.ReleaseAsync("part", cancellationToken);
            }
            catch (PostgresException ex) when (IsAboutARow(ex))
            {
                await transaction.RollbackAsync("part", cancellationToken);
                if (part.Count == 1)
                {
                    results[(int)rows[part.Start][EventRow.Ord]!] = WriteResult.Refused($"{_owner}: {ex.MessageText}{Hint(ex)}");
                    continue;
                }
                parts.Push((part.Start + part.Count / 2, part.Count - part.Count / 2));
                parts.Push((part.Start, part.Count / 2));
            }
        }
    }

    async Task WritePartAsync(List<object?[]> rows, int start, int count, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using (var copy = await _connection.BeginBinaryImportAsync(CopyCommand, cancellationToken))
        {
            copy.Timeout = TimeSpan.FromSeconds(_commandTimeout);
            for (var r = start; r < start + count; r++)
            {
                var row = rows[r];
                await copy.StartRowAsync(cancellationToken);
                for (var c = 0; c < row.Length; c++)
                {
                    if (row[c] is { } value) await copy.WriteAsync(value, EventRow.Columns[c].Type, cancellationToken);
                    else await copy.WriteNullAsync(cancellationToken);
                }
            }
            await copy.CompleteAsync(cancellationToken);
        }
        await using var batch = new NpgsqlBatch(_connection, transaction) { Timeout = _commandTimeout };
        foreach (var statement in Statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    async Task EnsurePartitionsAsync(List<object?[]> rows, CancellationToken cancellationToken)
    {
        List<DateTime>? missing = null;
        foreach (var row in rows)
        {
            var period = EventRow.PeriodStart((DateTime)row[EventRow.Time]!, Interval);
            if (!_periods.Contains(period) && !(missing ??= []).Contains(period)) missing.Add(period);
        }
        if (missing is not null) await EnsurePartitionsAsync(missing, cancellationToken);
    }

    /// <summary>Creates the partitions of these periods (a transaction of its own, so no batch holds the event table meanwhile).</summary>
    async Task EnsurePartitionsAsync(List<DateTime> periods, CancellationToken cancellationToken)
    {
        await using var ensure = new NpgsqlCommand("SELECT eventdb.ensure_partitions($1)", _connection) { CommandTimeout = _commandTimeout };
        ensure.Parameters.Add(new NpgsqlParameter { Value = periods.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        var retained = await ensure.ExecuteScalarAsync(cancellationToken);
        _detachedBefore = retained is DateTime d ? d : null;
        foreach (var period in periods)
            if (_detachedBefore is null || period >= _detachedBefore) _periods.Add(period);
    }

    /// <summary>A partition this writer made was detached since: forgets them all, so that the next batch asks the database again.</summary>
    string Hint(PostgresException ex)
    {
        if (ex.SqlState != PostgresErrorCodes.CheckViolation || !ex.MessageText.StartsWith("no partition", StringComparison.Ordinal)) return "";
        _periods.Clear();
        return " (its partition was detached: intelmq db detach)";
    }

    /// <summary>A data exception (22), an integrity constraint (23, also a row no partition takes) or a value too large for an index (54): the rows' fault.</summary>
    static bool IsAboutARow(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal)
        || ex.SqlState.StartsWith("23", StringComparison.Ordinal) || ex.SqlState.StartsWith("54", StringComparison.Ordinal);
}
