using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using Npgsql;

namespace IntelMQ.Outputs.Sql;

/// <summary>
/// Writes rows shaped as IntelMQ's sql output shapes them into a PostgreSQL table with binary COPY, one transaction
/// per batch. A row PostgreSQL refuses is found (by the line its error names, else by halving) and refused alone.
/// </summary>
internal sealed partial class PostgresTable(string connectionString, string table, int statementTimeout) : IDisposable
{
    NpgsqlConnection? _connection;
    Dictionary<string, (int Index, PostgresColumn Column)>? _columns;
    string _copyTarget = "";
    PostgresColumn[]? _columnList;

    /// <param name="rows">IntelMQ's columns and values per event.</param>
    public async ValueTask WriteAsync(SqlOutput.Row[] rows, WriteResult[] results, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken);
            var groups = Prepare(rows, results);
            if (groups.Count == 0) return;
            if (await TryCopyAllAsync(connection, groups, cancellationToken)) return;
            await CopyRowByRowAsync(connection, groups, results, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            Close(); // reopened for the retry: the connection may be broken, the table altered
            throw new TransientException($"sql-output: PostgreSQL: {ex.Message}", ex);
        }
        catch (OperationCanceledException)
        {
            Close(); // a COPY cut short leaves the connection in no state to reuse
            throw;
        }
    }

    /// <summary>Connects on a connection of its own and finds the table.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await ReadColumnsAsync(connection, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException or TransientException)
        {
            throw new InvalidOperationException($"sql-output: cannot use PostgreSQL table '{table}': {ex.Message}", ex);
        }
    }

    /// <summary>Converts the rows to the table's column types and groups them by the defaulted columns they name.</summary>
    List<Group> Prepare(SqlOutput.Row[] rows, WriteResult[] results)
    {
        var columns = _columns!;
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var defaulted = new StringBuilder();
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var indexes = new int[row.Columns.Length];
            var values = new object[row.Columns.Length];
            string? error = null;
            defaulted.Clear();
            for (var c = 0; c < indexes.Length && error is null; c++)
            {
                if (!columns.TryGetValue(row.Columns[c], out var column))
                {
                    error = $"column \"{row.Columns[c]}\" of relation \"{table}\" does not exist";
                    break;
                }
                indexes[c] = column.Index;
                values[c] = row.Values[c] is DBNull ? DBNull.Value : column.Column.Convert(row.Values[c], out error);
                if (column.Column.HasDefault) defaulted.Append(column.Index).Append(',');
            }
            if (error is not null)
            {
                results[i] = WriteResult.Refused($"sql-output: {error}");
                continue;
            }
            Array.Sort(indexes, values);
            var key = defaulted.ToString();
            if (!groups.TryGetValue(key, out var group)) groups[key] = group = new Group(new bool[columns.Count], []);
            foreach (var index in indexes) group.Used[index] = true;
            group.Rows.Add(new PreparedRow(i, indexes, values));
        }
        return [.. groups.Values];
    }

    async ValueTask<bool> TryCopyAllAsync(NpgsqlConnection connection, List<Group> groups, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            foreach (var group in groups) await CopyAsync(connection, group, 0, group.Rows.Count, cancellationToken);
        }
        catch (PostgresException ex) when (IsAboutARow(ex))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>COPYs each part under a savepoint; a refused part is undone and split at the line its error names, or halved.</summary>
    async ValueTask CopyRowByRowAsync(NpgsqlConnection connection, List<Group> groups, WriteResult[] results, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var group in groups)
        {
            var parts = new Stack<(int Start, int Count)>();
            parts.Push((0, group.Rows.Count));
            while (parts.TryPop(out var part))
            {
                if (part.Count == 0) continue;
                await transaction.SaveAsync("part", cancellationToken);
                try
                {
                    await CopyAsync(connection, group, part.Start, part.Count, cancellationToken);
                    await transaction.ReleaseAsync("part", cancellationToken);
                    continue;
                }
                catch (PostgresException ex) when (IsAboutARow(ex))
                {
                    await transaction.RollbackAsync("part", cancellationToken);
                    var line = LineOf(ex);
                    if (part.Count == 1 || line is { } l && l >= 1 && l <= part.Count)
                    {
                        var bad = part.Count == 1 ? 0 : line!.Value - 1;
                        results[group.Rows[part.Start + bad].Event] = WriteResult.Refused($"sql-output: {Reason(ex)}");
                        parts.Push((part.Start + bad + 1, part.Count - bad - 1));
                        parts.Push((part.Start, bad));
                    }
                    else
                    {
                        parts.Push((part.Start + part.Count / 2, part.Count - part.Count / 2));
                        parts.Push((part.Start, part.Count / 2));
                    }
                }
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    async ValueTask CopyAsync(NpgsqlConnection connection, Group group, int start, int count, CancellationToken cancellationToken)
    {
        var columns = _columnList ??= [.. _columns!.Values.OrderBy(c => c.Index).Select(c => c.Column)];
        var sql = new StringBuilder("COPY ").Append(_copyTarget).Append(" (");
        var first = true;
        for (var c = 0; c < group.Used.Length; c++)
        {
            if (!group.Used[c]) continue;
            sql.Append(first ? "" : ", ").Append(Quote(columns[c].Name));
            first = false;
        }
        sql.Append(") FROM STDIN (FORMAT BINARY)");
        await using var copy = await connection.BeginBinaryImportAsync(sql.ToString(), cancellationToken);
        copy.Timeout = TimeSpan.FromSeconds(statementTimeout);
        for (var r = start; r < start + count; r++)
        {
            var row = group.Rows[r];
            await copy.StartRowAsync(cancellationToken);
            var next = 0;
            for (var c = 0; c < group.Used.Length; c++)
            {
                if (!group.Used[c]) continue;
                if (next < row.Columns.Length && row.Columns[next] == c)
                {
                    var value = row.Values[next++];
                    if (value is DBNull) await copy.WriteNullAsync(cancellationToken);
                    else await copy.WriteAsync(value, columns[c].DbType!.Value, cancellationToken);
                }
                else await copy.WriteNullAsync(cancellationToken);
            }
        }
        await copy.CompleteAsync(cancellationToken);
    }

    async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null) return _connection;
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ReadColumnsAsync(connection, cancellationToken);
            return _connection = connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The table's columns, their types and defaults; a missing table is the database's state, not the events' fault.</summary>
    async ValueTask ReadColumnsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand("""
            SELECT r.oid::regclass::text, r.relkind::text, a.attname, t.typname, format_type(a.atttypid, a.atttypmod),
                   a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
            FROM pg_class r JOIN pg_attribute a ON a.attrelid = r.oid JOIN pg_type t ON t.oid = a.atttypid
            WHERE r.oid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, connection);
        query.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var columns = new Dictionary<string, (int, PostgresColumn)>(StringComparer.Ordinal);
        var target = "";
        while (await reader.ReadAsync(cancellationToken))
        {
            target = reader.GetString(0);
            if (reader.GetString(1) is not ("r" or "p"))
                throw new TransientException($"sql-output: '{table}' is not a table: PostgreSQL COPYs only into a table or a partitioned table.");
            var typeName = reader.GetString(3);
            columns[reader.GetString(2)] = (columns.Count, new PostgresColumn(reader.GetString(2), reader.GetString(4), PostgresColumn.Type(typeName), reader.GetBoolean(5)));
        }
        if (columns.Count == 0)
            throw new TransientException($"sql-output: no table '{table}' in the database; create it with the eventdb schema (intelmq_psql_initdb's output).");
        (_columns, _copyTarget, _columnList) = (columns, target, null);
    }

    /// <summary>A data exception (class 22) or an integrity constraint (class 23): this row's fault. Anything else is the database's.</summary>
    static bool IsAboutARow(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    /// <summary>The row of the COPY an error names: "COPY events, line 17, column source.port".</summary>
    static int? LineOf(PostgresException ex) => ex.Where is { } where && CopyContext().Match(where) is { Success: true } m ? int.Parse(m.Groups[1].ValueSpan) : null;

    static string Reason(PostgresException ex) => ex.Where is { } where && CopyContext().Match(where) is { Success: true, Groups: [_, _, { Success: true } column] }
        ? $"{ex.MessageText} (column {column.Value})"
        : ex.MessageText;

    [GeneratedRegex(@"^COPY [^,]+, line (\d+)(?:, column ([^:\n]+))?", RegexOptions.Multiline)]
    private static partial Regex CopyContext();

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    void Close()
    {
        _connection?.Dispose();
        _connection = null;
        _columns = null;
    }

    public void Dispose() => Close();

    /// <param name="Used">The table's columns named by some row of the group: the COPY's column list.</param>
    sealed record Group(bool[] Used, List<PreparedRow> Rows);

    /// <param name="Event">The event's index in the batch.</param>
    /// <param name="Columns">Table column indexes, ascending, with their values.</param>
    readonly record struct PreparedRow(int Event, int[] Columns, object[] Values);
}
