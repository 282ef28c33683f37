using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Sql;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntelMQ.Outputs;

/// <summary>Writes events into a database table with IntelMQ's column names, as IntelMQ's sql output does.</summary>
[Program("sql-output", ProgramKind.Output, "Writes events into IntelMQ's eventdb table in PostgreSQL (binary COPY) or SQLite, one transaction per batch.",
    Modules = ["intelmq.bots.outputs.sql.output"],
    Options = typeof(SqlOutputOptions),
    Description = """
        Writes every event as one row of a table whose columns are IntelMQ's field names ("source.ip",
        "classification.type", ...), as IntelMQ's sql output does, so an existing eventdb keeps working: extra is one
        JSON text column (each extra.X its own column with jsondict_as_string=false), raw is base64 as IntelMQ stores
        it; fields IntelMQ has no name for (event.id) are not written, and a column an event has no field for gets
        the table's default.
        engine=postgresql (IntelMQ's default) writes a batch with binary COPY in one transaction into a table or a
        partitioned table (not a view) created with intelmq_psql_initdb's schema; values are converted to the
        column types as PostgreSQL reads the literals IntelMQ's INSERT sends. When PostgreSQL refuses a row (a value
        too long for its column, a constraint, invalid input) the batch is written again under savepoints, split at
        the line PostgreSQL's error names (or halved when it names none): the refused events go to the dump with
        PostgreSQL's message, the others are written. A lost connection, a missing table, a timeout or any other
        error of the server's retries the batch later.
        engine=sqlite writes to the database file with a prepared INSERT per set of columns; booleans are 1/0; a
        refused row is found by inserting row by row, with SQLite's message; a locked or busy database, a file that
        cannot be opened or written and a missing table retry the batch later.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run sql-output --set host=db.example.org --set database=intelmq-events --set user=intelmq --set password=secret --set sslmode=require < events.jsonl",
        "intelmq run sql-output --set engine=sqlite --set database=/var/lib/intelmq/events.sqlite < events.jsonl",
        "intelmq run sql-output --set engine=sqlite --set database=events.sqlite --set 'fields=[\"time.source\", \"source.ip\", \"classification.type\", \"extra\"]' < events.jsonl",
    ])]
public sealed class SqlOutput : IOutput, IHealthCheck, IDisposable
{
    const string Extra = "extra", ExtraPrefix = "extra.", CustomPrefix = "custom.";
    const int MaxPreparedInserts = 256;

    readonly string _connectionString, _database, _table, _quotedTable;
    readonly HashSet<string>? _fields;
    readonly bool _extraAsJson;
    readonly int _busyTimeout;
    readonly Dictionary<string, SqliteCommand> _inserts = new(StringComparer.Ordinal);
    readonly PostgresTable? _postgres;
    SqliteConnection? _connection;

    public SqlOutput(SqlOutputOptions options, ProgramContext context)
    {
        if (options.Engine == SqlEngine.Mssql)
            throw new ConfigurationException("sql-output: engine 'mssql' is not supported; use engine=postgresql or engine=sqlite, or keep IntelMQ's sql output for Microsoft SQL Server.");
        if (options.Table.Length == 0) throw new ConfigurationException("sql-output: option 'table' is empty; give the table's name, e.g. --set table=events.");
        foreach (var field in options.Fields)
            if (field != Extra && !field.StartsWith(ExtraPrefix, StringComparison.Ordinal) && DhoMapping.ToIdf(field) is null)
                throw new ConfigurationException($"sql-output: option 'fields': '{field}' is not an IntelMQ field name (such as source.ip, extra, raw).");
        _database = options.Database;
        _table = options.Table;
        _quotedTable = Quote(options.Table);
        _fields = options.Fields.Length == 0 ? null : [.. options.Fields];
        _extraAsJson = options.JsondictAsString;
        _busyTimeout = options.BusyTimeout;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.Database,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = options.BusyTimeout,
        }.ToString();
        if (options.Engine == SqlEngine.Postgresql) _postgres = new PostgresTable(PostgresConnection.String("sql-output", options.Host, options.Port, options.Database, options.User, options.Password, options.Sslmode, options.ConnectTimeout, options.BusyTimeout), options.Table, options.BusyTimeout);
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        if (_postgres is not null) return WritePostgresAsync(events, results, cancellationToken);
        var rows = new Row[events.Count];
        for (var i = 0; i < rows.Length; i++) rows[i] = ToRow(events[i]);
        try
        {
            var connection = Open();
            if (!TryInsertAll(connection, rows)) InsertRowByRow(connection, rows, results);
        }
        catch (SqliteException ex)
        {
            Close(); // reopened for the retry, in case the file was replaced or the connection is broken
            throw new TransientException($"sql-output: {_database}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    async ValueTask WritePostgresAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var rows = new Row[events.Count];
        for (var i = 0; i < rows.Length; i++) rows[i] = ToRow(events[i]);
        await _postgres!.WriteAsync(rows, results, cancellationToken);
    }

    /// <summary>Opens the database and checks that the table is there; throws with what an operator should do.</summary>
    /// <remarks>On a connection of its own, so that a check never runs on the connection a batch is being written on.</remarks>
    public ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null) return _postgres.CheckAsync(cancellationToken);
        try
        {
            OpenConnection().Dispose();
        }
        catch (SqliteException ex)
        {
            throw new InvalidOperationException($"sql-output: cannot use database '{_database}': {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    /// <returns>False when a row was refused: nothing of the batch is written then.</returns>
    bool TryInsertAll(SqliteConnection connection, Row[] rows)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var row in rows)
        {
            try
            {
                Insert(connection, transaction, row);
            }
            catch (SqliteException ex) when (IsAboutTheRow(ex))
            {
                transaction.Rollback();
                return false;
            }
        }
        transaction.Commit();
        return true;
    }

    /// <summary>Inserts each row under its own savepoint, so a refused row is undone alone and the others stay.</summary>
    void InsertRowByRow(SqliteConnection connection, Row[] rows, WriteResult[] results)
    {
        using var transaction = connection.BeginTransaction();
        for (var i = 0; i < rows.Length; i++)
        {
            transaction.Save("row");
            try
            {
                Insert(connection, transaction, rows[i]);
            }
            catch (SqliteException ex) when (IsAboutTheRow(ex))
            {
                transaction.Rollback("row");
                // A table dropped since it was opened fails every row: that is the database's state, not the events'.
                if (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_ERROR && !TableExists(connection, transaction)) throw;
                results[i] = WriteResult.Refused($"sql-output: {ex.Message}");
            }
            transaction.Release("row");
        }
        transaction.Commit();
    }

    void Insert(SqliteConnection connection, SqliteTransaction transaction, Row row)
    {
        var insert = PreparedInsert(connection, row);
        insert.Transaction = transaction;
        for (var i = 0; i < row.Values.Length; i++) insert.Parameters[i].Value = row.Values[i];
        insert.ExecuteNonQuery();
    }

    SqliteCommand PreparedInsert(SqliteConnection connection, Row row)
    {
        if (_inserts.TryGetValue(row.Key, out var insert)) return insert;
        if (_inserts.Count >= MaxPreparedInserts) ClearInserts();
        var sql = new StringBuilder("INSERT INTO ").Append(_quotedTable).Append(" (");
        for (var i = 0; i < row.Columns.Length; i++) sql.Append(i == 0 ? "" : ", ").Append(Quote(row.Columns[i]));
        sql.Append(") VALUES (");
        for (var i = 0; i < row.Columns.Length; i++) sql.Append(i == 0 ? "$p0" : $", $p{i}");
        insert = connection.CreateCommand();
        insert.CommandText = sql.Append(')').ToString();
        insert.CommandTimeout = _busyTimeout;
        for (var i = 0; i < row.Columns.Length; i++) insert.Parameters.Add(new SqliteParameter($"$p{i}", DBNull.Value));
        _inserts[row.Key] = insert;
        return insert;
    }

    /// <summary>One event as IntelMQ's sql output writes it: IntelMQ's field names and values, extra as JSON text.</summary>
    Row ToRow(Event ev)
    {
        var columns = new List<string>(ev.Count);
        var values = new List<object>(ev.Count);
        StringBuilder? extra = null;
        foreach (var (path, value) in ev.Fields)
        {
            if (path.StartsWith(CustomPrefix, StringComparison.Ordinal))
            {
                var name = path[CustomPrefix.Length..];
                if (_extraAsJson)
                {
                    if (_fields is not null && !_fields.Contains(Extra)) continue;
                    extra = extra is null ? new StringBuilder("{") : extra.Append(", ");
                    PythonJson.AppendValue(extra, name);
                    extra.Append(": ");
                    PythonJson.AppendValue(extra, value);
                }
                else Add(ExtraPrefix + name, Column(value));
                continue;
            }
            if (path == Event.OriginalField && value is string original) Add("raw", Convert.ToBase64String(Encoding.UTF8.GetBytes(original)));
            else if (DhoMapping.ToDho(path) is { } dho) Add(dho, Column(value));
        }
        if (extra is not null) Add(Extra, extra.Append('}').ToString());
        return new Row(string.Join('\n', columns), [.. columns], [.. values]);

        void Add(string column, object value)
        {
            if (_fields is not null && !_fields.Contains(column)) return;
            columns.Add(column);
            values.Add(value);
        }
    }

    object Column(object? value) => value switch
    {
        null => DBNull.Value,
        string or long or double => value,
        bool b when _postgres is null => b ? 1L : 0L, // as Python's sqlite3 stores True and False
        bool => value,
        _ => PythonJson.Text(value),
    };

    SqliteConnection Open() => _connection ??= OpenConnection();

    SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            if (!TableExists(connection, null))
                throw new SqliteException($"no table or view '{_table}'; create it with the eventdb schema (intelmq_psql_initdb's output)", SQLitePCL.raw.SQLITE_ERROR);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    bool TableExists(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var query = connection.CreateCommand();
        query.Transaction = transaction;
        query.CommandText = "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = $name";
        query.Parameters.AddWithValue("$name", _table);
        return (long)query.ExecuteScalar()! > 0;
    }

    /// <summary>A constraint, a type or size limit or an unknown column: this row's fault. Anything else is the database's.</summary>
    static bool IsAboutTheRow(SqliteException ex) => ex.SqliteErrorCode is SQLitePCL.raw.SQLITE_CONSTRAINT or SQLitePCL.raw.SQLITE_MISMATCH
        or SQLitePCL.raw.SQLITE_TOOBIG or SQLitePCL.raw.SQLITE_RANGE or SQLitePCL.raw.SQLITE_ERROR;

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    void ClearInserts()
    {
        foreach (var insert in _inserts.Values) insert.Dispose();
        _inserts.Clear();
    }

    void Close()
    {
        ClearInserts();
        _connection?.Dispose();
        _connection = null;
    }

    public void Dispose()
    {
        Close();
        _postgres?.Dispose();
    }

    /// <param name="Key">The columns, joined: rows with the same columns share one prepared INSERT.</param>
    internal readonly record struct Row(string Key, string[] Columns, object[] Values);
}
