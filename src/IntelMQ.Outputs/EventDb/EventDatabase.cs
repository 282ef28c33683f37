using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Sql;
using Npgsql;

namespace IntelMQ.Outputs.EventDb;

/// <summary>
/// The normalised eventdb in PostgreSQL (docs/eventdb.md): creates and upgrades its schema (version steps kept as SQL
/// files, one transaction each), imports an IntelMQ events table into it, and detaches old partitions.
/// </summary>
public sealed class EventDatabase
{
    const string Resource = "IntelMQ.Outputs.eventdb-";
    const long MigrationLock = 4242000, PartitionLock = 4242001;

    static readonly (int Version, string Description, string Sql)[] Steps = LoadSteps();

    readonly string _connectionString;
    readonly EventDbOutputOptions _options;

    /// <exception cref="ConfigurationException">An option is invalid (sslmode).</exception>
    public EventDatabase(EventDbOutputOptions options)
    {
        _options = options;
        _connectionString = PostgresConnection.String("eventdb", options.Host, options.Port, options.Database, options.User, options.Password, options.Sslmode, options.ConnectTimeout, options.CommandTimeout);
    }

    /// <summary>The schema version this build creates and writes.</summary>
    public static int CurrentVersion => Steps[^1].Version;

    /// <summary>user@host:port/database, for messages.</summary>
    public string Name => $"{_options.User}@{_options.Host}:{_options.Port}/{_options.Database}";

    static (int, string, string)[] LoadSteps()
    {
        var assembly = typeof(EventDatabase).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Resource, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                var sql = reader.ReadToEnd();
                var version = int.Parse(n.AsSpan(Resource.Length, n.Length - Resource.Length - 4), System.Globalization.CultureInfo.InvariantCulture);
                var description = sql[..sql.IndexOf('\n')].TrimStart('-', ' ');
                return (version, description, sql);
            })];
    }

    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The schema version of the database; 0 when it has no eventdb schema.</summary>
    public async Task<int> VersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await VersionAsync(connection, null, cancellationToken);
    }

    internal static async Task<int> VersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('eventdb.schema_version') IS NOT NULL", connection, transaction))
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!) return 0;
        await using var query = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM eventdb.schema_version", connection, transaction);
        return (int)(await query.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Creates the schema in a database that has none; returns the versions applied (none when it exists).</summary>
    public async Task<IReadOnlyList<int>> InitAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (await VersionAsync(connection, null, cancellationToken) > 0) return [];
        return await ApplyAsync(connection, _options.PartitionInterval, CurrentVersion, cancellationToken);
    }

    /// <summary>Applies the pending version steps, each in a transaction of its own, up to <paramref name="upTo"/> (default: all).</summary>
    /// <exception cref="ConfigurationException">The database has no eventdb schema yet.</exception>
    public async Task<IReadOnlyList<int>> MigrateAsync(int? upTo, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (await VersionAsync(connection, null, cancellationToken) == 0 && upTo is null)
            throw new ConfigurationException($"eventdb: the database {Name} has no eventdb schema; create it with `intelmq db init`.");
        return await ApplyAsync(connection, _options.PartitionInterval, upTo ?? CurrentVersion, cancellationToken);
    }

    /// <summary>Each step under an advisory lock that also serialises other migrating processes, which then find it applied.</summary>
    internal static async Task<IReadOnlyList<int>> ApplyAsync(NpgsqlConnection connection, PartitionInterval interval, int upTo, CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        foreach (var (version, description, sql) in Steps)
        {
            if (version > upTo) break;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MigrationLock}), set_config('eventdb.partition_interval', $1, true)", connection, transaction))
            {
                lockCommand.Parameters.Add(new NpgsqlParameter { Value = interval.ToString().ToLowerInvariant() });
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            if (await VersionAsync(connection, transaction, cancellationToken) >= version) continue;
            await using (var step = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 })
                await step.ExecuteNonQueryAsync(cancellationToken);
            await using (var record = new NpgsqlCommand("INSERT INTO eventdb.schema_version (version, description) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                record.Parameters.Add(new NpgsqlParameter { Value = description });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            applied.Add(version);
        }
        return applied;
    }

    /// <summary>
    /// Detaches (and with <paramref name="drop"/> drops) every partition that ends on or before <paramref name="before"/>;
    /// writers then refuse events older than the last detached partition's end instead of creating it again.
    /// </summary>
    /// <returns>The partitions detached.</returns>
    public async Task<IReadOnlyList<string>> DetachAsync(DateTimeOffset before, bool drop, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await RequireCurrentAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var partitions = new List<(string Name, DateTime Ends)>();
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PartitionLock})", connection, transaction))
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        await using (var query = new NpgsqlCommand("SELECT name, ends FROM eventdb.partition WHERE detached IS NULL AND ends <= $1 ORDER BY starts", connection, transaction))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) partitions.Add((reader.GetString(0), reader.GetDateTime(1)));
        }
        if (partitions.Count == 0) return [];
        var sql = new StringBuilder();
        foreach (var (name, _) in partitions)
        {
            sql.Append("ALTER TABLE eventdb.event DETACH PARTITION eventdb.").Append(Quote(name)).Append(";\n");
            if (drop) sql.Append("DROP TABLE eventdb.").Append(Quote(name)).Append(";\n");
        }
        await using (var detach = new NpgsqlCommand(sql.ToString(), connection, transaction) { CommandTimeout = 0 })
            await detach.ExecuteNonQueryAsync(cancellationToken);
        await using (var mark = new NpgsqlCommand("UPDATE eventdb.partition SET detached = now() WHERE name = ANY($1)", connection, transaction))
        {
            mark.Parameters.Add(new NpgsqlParameter { Value = partitions.Select(p => p.Name).ToArray() });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var retain = new NpgsqlCommand(
            "UPDATE eventdb.setting SET value = greatest(value::timestamptz, $1)::text WHERE name = 'detached_before'", connection, transaction))
        {
            retain.Parameters.Add(new NpgsqlParameter { Value = partitions[^1].Ends });
            await retain.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return [.. partitions.Select(p => p.Name)];
    }

    /// <summary>
    /// Moves the rows of an IntelMQ events table (intelmq_psql_initdb's) into the eventdb, <paramref name="batchSize"/>
    /// rows at a time in the order of their ids. Each batch commits together with the import's progress, so an import
    /// that was stopped goes on after its last committed batch and writes no row twice. Rows that are equal in every
    /// column but id are one event (the same IDF id) and stored once.
    /// </summary>
    /// <param name="refused">Called for a row that cannot be stored: its id and the reason.</param>
    public async Task<ImportProgress> ImportIntelMQAsync(string sourceTable, int batchSize, Action<ImportProgress> progress, Action<long, string> refused,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (batchSize < 1) throw new ConfigurationException("eventdb: --batch-size must be at least 1.");
        await using var connection = await OpenAsync(cancellationToken);
        await RequireCurrentAsync(connection, cancellationToken);
        string source;
        await using (var resolve = new NpgsqlCommand("SELECT to_regclass($1)::text", connection))
        {
            resolve.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            source = await resolve.ExecuteScalarAsync(cancellationToken) as string
                ?? throw new ConfigurationException($"eventdb: --from: no table '{sourceTable}' in {Name}; give IntelMQ's events table, e.g. --from public.events.");
        }
        var state = new ImportProgress(0, 0, 0, 0);
        await using (var query = new NpgsqlCommand($"SELECT (SELECT coalesce(max(id), 0) FROM {source}), p.last_id, p.imported, p.refused FROM (SELECT 1) one LEFT JOIN eventdb.import_progress p ON p.source = $1", connection))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = source });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            state = reader.IsDBNull(1)
                ? new ImportProgress(0, reader.GetInt64(0), 0, 0)
                : new ImportProgress(reader.GetInt64(1), reader.GetInt64(0), reader.GetInt64(2), reader.GetInt64(3));
        }
        var writer = await EventWriter.OpenAsync(connection, _options.CommandTimeout, clock.GetUtcNow(), "import", cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = new List<(long Id, string Json)>(batchSize);
            await using (var read = new NpgsqlCommand($"SELECT id, row_to_json(e)::text FROM {source} e WHERE id > $1 ORDER BY id LIMIT $2", connection))
            {
                read.Parameters.Add(new NpgsqlParameter { Value = state.LastId });
                read.Parameters.Add(new NpgsqlParameter { Value = batchSize });
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) rows.Add((reader.GetInt64(0), reader.GetString(1)));
            }
            if (rows.Count == 0) return state;

            var events = new List<Event>(rows.Count);
            var ids = new List<long>(rows.Count);
            var refusedHere = 0L;
            foreach (var (id, json) in rows)
            {
                try
                {
                    events.Add(ReadRow(json));
                    ids.Add(id);
                }
                catch (Exception ex) when (ex is JsonException or InvalidFieldException or FormatException)
                {
                    refused(id, ex.Message);
                    refusedHere++;
                }
            }
            var results = new WriteResult[events.Count];
            var next = state with { LastId = rows[^1].Id };
            await writer.WriteAsync(events, results, async (transaction, token) =>
            {
                var written = results.LongCount(r => r.Status == WriteStatus.Written);
                next = next with { Imported = next.Imported + written, Refused = next.Refused + refusedHere + (results.Length - written) };
                await using var record = new NpgsqlCommand("""
                    INSERT INTO eventdb.import_progress (source, last_id, imported, refused) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (source) DO UPDATE SET last_id = excluded.last_id, imported = excluded.imported, refused = excluded.refused, updated = now()
                    """, connection, transaction);
                record.Parameters.Add(new NpgsqlParameter { Value = source });
                record.Parameters.Add(new NpgsqlParameter { Value = next.LastId });
                record.Parameters.Add(new NpgsqlParameter { Value = next.Imported });
                record.Parameters.Add(new NpgsqlParameter { Value = next.Refused });
                await record.ExecuteNonQueryAsync(token);
            }, cancellationToken);
            for (var i = 0; i < results.Length; i++)
                if (results[i].Status != WriteStatus.Written) refused(ids[i], results[i].Reason ?? "refused");
            state = next;
            progress(state);
        }
    }

    /// <summary>A row of IntelMQ's table (row_to_json) as the DHO message it was written from: extra expanded, NULLs left out.</summary>
    static Event ReadRow(string json)
    {
        var row = JsonNode.Parse(json)!.AsObject();
        var message = new JsonObject { ["__type"] = "Event" };
        foreach (var (column, value) in row)
        {
            if (column == "id" || value is null) continue;
            if (column == "extra" && value is JsonObject extra)
            {
                foreach (var (key, item) in extra) message["extra." + key] = item?.DeepClone();
                continue;
            }
            message[column] = value.DeepClone();
        }
        return EventJson.Read(Encoding.UTF8.GetBytes(message.ToJsonString()), MessageFormat.Dho)[0];
    }

    /// <summary>Throws, with what to run, unless the database has this build's schema version.</summary>
    internal async Task RequireCurrentAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var version = await VersionAsync(connection, null, cancellationToken);
        if (version == CurrentVersion) return;
        throw new ConfigurationException(version == 0
            ? $"eventdb: the database {Name} has no eventdb schema; create it with `intelmq db init`."
            : version < CurrentVersion
                ? $"eventdb: the database {Name} has schema version {version}, this program needs {CurrentVersion}; upgrade it with `intelmq db migrate`."
                : $"eventdb: the database {Name} has schema version {version}, newer than this program's {CurrentVersion}; upgrade IntelMQ.NET.");
    }

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
