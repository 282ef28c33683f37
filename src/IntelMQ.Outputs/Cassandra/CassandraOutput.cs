using System.Buffers;
using System.Net.Security;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>Writes each batch into a Cassandra table as UNLOGGED BATCHes of a prepared INSERT, over its own CQL v4 client.</summary>
[Program("cassandra-output", ProgramKind.Output, "Writes events into a Cassandra table over the CQL native protocol v4: UNLOGGED BATCHes of a prepared INSERT, a result per event.",
    Options = typeof(CassandraOutputOptions),
    Description = """
        IntelMQ has no Cassandra output; this one is new. Each event becomes one row: its id in the uuid column id
        (the primary key, so a batch written again after a lost connection overwrites rather than duplicates), the
        fields named by columns in their columns, and the whole event as IDF JSON in json_column. A field the event
        does not have is left unset, not written as null (which would leave a tombstone). With create_table (the
        default) the table is created when missing: id uuid PRIMARY KEY, then a column per field typed from the
        field catalogue (times timestamp, addresses inet, ports int, AS numbers and integers bigint, numbers double,
        booleans boolean, the rest text), then the JSON column as text; the keyspace must exist. Values are
        converted to the types of the table's columns as the server reports them when it prepares the INSERT.
        A batch is sent as UNLOGGED BATCHes of that prepared INSERT at the configured consistency, each holding at
        most max_batch_kb of values (Cassandra refuses a batch above batch_size_fail_threshold, 50 KiB by default).
        When the server refuses a batch as invalid, its events are written one statement each to find the one it
        refuses: that event goes to the dump with the server's message, the others are written. A value that does
        not fit its column is refused without being sent. Unavailable, Overloaded, Is_bootstrapping, Write_timeout,
        Write_failure, a server error, a timeout and a lost connection retry the batch (the events after the ones
        already written when some were); a statement the node forgot is prepared again. A syntax error, a refused
        login or permission, or a table the INSERT cannot be prepared for stops the program as misconfigured.
        The client speaks the CQL native protocol v4 itself (Cassandra 2.2 and later): no CQL driver is
        available as a NuGet package here. The health check logs in and asks the node for its options.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run cassandra-output --set hosts=cassandra1.example.org,cassandra2.example.org --set keyspace=intelmq --set username=intelmq --set password=... < events.jsonl",
        "intelmq run cassandra-output --set keyspace=intelmq --set table=scans --set 'columns={\"source.ip\": \"ip\", \"source.port\": \"port\", \"extra.tag\": \"tag\"}' --set ttl=7776000 < events.jsonl",
    ])]
public sealed partial class CassandraOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "cassandra-output";
    const string IdColumn = "id";

    /// <summary>The fields written when <c>columns</c> is unset, each to its IntelMQ name with underscores for dots.</summary>
    static readonly string[] DefaultFields =
    [
        "time.source", "time.observation", "feed.name", "feed.provider", "feed.accuracy", "classification.taxonomy",
        "classification.type", "classification.identifier", "source.ip", "source.port", "source.asn", "source.network",
        "source.fqdn", "source.url", "source.geolocation.cc", "destination.ip", "destination.port", "destination.fqdn",
        "malware.name", "protocol.transport", "protocol.application", "event_description.text",
    ];

    static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly CqlEndpoint[] _hosts;
    readonly Column[] _columns;
    readonly string _jsonColumn, _create, _insert, _tableName;
    readonly ushort _consistency;
    readonly int _maxBatchBytes;
    readonly bool _tls, _verifyCert, _createTable;
    readonly (string User, string Password)? _credentials;
    readonly TimeSpan _timeout;
    readonly ILogger _log;
    readonly CqlWriter _row = new();
    readonly ArrayBufferWriter<byte> _json = new(1024);
    int _preferred;
    bool _tableCreated;
    CqlConnection? _connection;
    CqlPrepared? _prepared;

    /// <param name="Path">The event field (IDF path).</param>
    /// <param name="Name">The field as configured, for messages.</param>
    readonly record struct Column(string Path, string Name, string ColumnName);

    public CassandraOutput(CassandraOutputOptions options, ProgramContext context)
    {
        if (options.Hosts.Length == 0) throw new ConfigurationException($"{Program}: option 'hosts' is empty; give the nodes, e.g. --set hosts=cassandra1.example.org:9042,cassandra2.example.org:9042.");
        _hosts = [.. options.Hosts.Select(h => CqlEndpoint.Parse(Program, h))];
        if (options.Keyspace.Length == 0) throw new ConfigurationException($"{Program}: option 'keyspace' is empty; name the keyspace of the table, e.g. --set keyspace=intelmq.");
        Identifier("keyspace", options.Keyspace);
        Identifier("table", options.Table);
        if (options.JsonColumn.Length > 0) Identifier("json_column", options.JsonColumn);
        if (!CqlConsistency.TryParse(options.Consistency, out _consistency))
            throw new ConfigurationException($"{Program}: option 'consistency' is '{options.Consistency}'; give one of {string.Join(", ", CqlConsistency.Names)}.");
        var mapping = options.Columns?.ToList() ?? [.. DefaultFields.Select(f => KeyValuePair.Create(f, f.Replace('.', '_')))];
        var taken = new HashSet<string>(StringComparer.Ordinal) { IdColumn };
        if (options.JsonColumn.Length > 0 && !taken.Add(options.JsonColumn))
            throw new ConfigurationException($"{Program}: option 'json_column' is '{IdColumn}', the primary key's column; choose another name, e.g. event.");
        _columns = new Column[mapping.Count];
        for (var i = 0; i < mapping.Count; i++)
        {
            var (field, column) = mapping[i];
            var path = IntelMQFields.Path(field) ?? (field.StartsWith("custom.", StringComparison.Ordinal) ? field : null)
                       ?? throw new ConfigurationException($"{Program}: option 'columns': '{field}' is not a field (an IntelMQ name such as source.ip or extra.x, or an IDF name).");
            Identifier("columns", column);
            if (!taken.Add(column)) throw new ConfigurationException($"{Program}: option 'columns': column '{column}' is given twice (or is the id or JSON column); give each field its own column.");
            _columns[i] = new Column(path, field, column);
        }
        _jsonColumn = options.JsonColumn;
        _tableName = $"{Quote(options.Keyspace)}.{Quote(options.Table)}";
        _create = CreateStatement();
        _insert = InsertStatement(options.Ttl);
        _maxBatchBytes = options.MaxBatchKb * 1024;
        _tls = options.Tls;
        _verifyCert = options.VerifyCert;
        _createTable = options.CreateTable;
        _credentials = options.Username.Length > 0 ? (options.Username, options.Password.Reveal()) : null;
        _timeout = TimeSpan.FromSeconds(options.TimeoutSec);
        _log = context.Log;
    }

    /// <summary>The CREATE TABLE IF NOT EXISTS statement create_table runs.</summary>
    public string CreateStatement()
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(_tableName).Append(" (").Append(Quote(IdColumn)).Append(" uuid PRIMARY KEY");
        foreach (var column in _columns) sql.Append(", ").Append(Quote(column.ColumnName)).Append(' ').Append(ColumnType(column.Path));
        if (_jsonColumn.Length > 0) sql.Append(", ").Append(Quote(_jsonColumn)).Append(" text");
        return sql.Append(')').ToString();
    }

    string InsertStatement(int ttl)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(_tableName).Append(" (").Append(Quote(IdColumn));
        foreach (var column in _columns) sql.Append(", ").Append(Quote(column.ColumnName));
        if (_jsonColumn.Length > 0) sql.Append(", ").Append(Quote(_jsonColumn));
        sql.Append(") VALUES (?");
        sql.Insert(sql.Length, ", ?", _columns.Length + (_jsonColumn.Length > 0 ? 1 : 0));
        sql.Append(')');
        if (ttl > 0) sql.Append(" USING TTL ").Append(ttl);
        return sql.ToString();
    }

    static string ColumnType(string path) => FieldCatalogue.Default.Find(path) is not { IsArray: false } field ? "text" : field.Type switch
    {
        FieldType.DateTime => "timestamp",
        FieldType.Ip => "inet",
        FieldType.Port => "int",
        FieldType.Asn or FieldType.Integer => "bigint",
        FieldType.Float or FieldType.Accuracy => "double",
        FieldType.Boolean => "boolean",
        FieldType.Uuid => "uuid",
        _ => "text",
    };

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var confirmed = false;
        var next = 0; // the first event not yet written or refused
        try
        {
            var (_, prepared) = await SessionAsync(cancellationToken);
            var rows = Rows(events, prepared.Types, results);
            var batch = new List<byte[]>();
            var members = new List<int>();
            for (var start = 0; start < rows.Length;)
            {
                next = start;
                start = NextBatch(rows, start, batch, members);
                if (batch.Count == 0) continue;
                if (await SendAsync(batch, cancellationToken) is not { } refusal) confirmed = true;
                else if (batch.Count == 1) results[members[0]] = WriteResult.Refused(refusal);
                else
                {
                    // The server refused the batch for a row in it: one statement per event finds which.
                    foreach (var i in members)
                    {
                        next = i;
                        if (await SendAsync([rows[i]!], cancellationToken) is { } refused) results[i] = WriteResult.Refused(refused);
                        else confirmed = true;
                    }
                }
            }
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            var reason = ex is TransientException ? ex.Message : $"{Program}: {ex.Message}";
            if (ex is not (TransientException or CqlServerException)) Disconnect(); // the connection's state is unknown
            if (!confirmed) throw ex as TransientException ?? new TransientException(reason, ex);
            for (var i = next; i < results.Length; i++)
                if (results[i].Status == WriteStatus.Written) results[i] = WriteResult.Retry(reason);
        }
    }

    static bool IsTransient(Exception ex) =>
        ex is TransientException or IOException or TimeoutException or InvalidDataException or CqlServerException { IsTransient: true };

    /// <summary>Each event's values as a row of the prepared INSERT; an event whose value does not fit its column is refused here.</summary>
    byte[]?[] Rows(IReadOnlyList<Event> events, IReadOnlyList<ushort> types, WriteResult[] results)
    {
        var rows = new byte[]?[events.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = Row(events[i], types, out var error);
            if (error is not null) results[i] = WriteResult.Refused($"{Program}: {error}");
        }
        return rows;
    }

    byte[]? Row(Event ev, IReadOnlyList<ushort> types, out string? error)
    {
        _row.Reset().Short((ushort)types.Count);
        var id = ev.Id ?? ev.StableId();
        if (CqlValue.Write(_row, types[0], id) is { } wrongId)
        {
            error = $"column '{IdColumn}' ({CqlType.Name(types[0])}): the event id '{id}' {wrongId}";
            return null;
        }
        for (var c = 0; c < _columns.Length; c++)
        {
            if (ev[_columns[c].Path] is not { } value)
            {
                _row.Unset();
                continue;
            }
            if (CqlValue.Write(_row, types[c + 1], value) is { } wrong)
            {
                var text = IntelMQFields.Text(value);
                error = $"column '{_columns[c].ColumnName}' ({CqlType.Name(types[c + 1])}): {_columns[c].Name} '{(text.Length > 100 ? text[..100] + "..." : text)}' {wrong}";
                return null;
            }
        }
        if (_jsonColumn.Length > 0)
        {
            _json.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_json, Relaxed)) EventJson.WriteIdf(json, ev);
            _row.Bytes(_json.WrittenSpan);
        }
        // A statement must fit in one frame with the batch's few bytes around it.
        if (_row.BodyLength > CqlFrame.MaxBodyLength - 1024)
        {
            error = $"the event's values take {_row.BodyLength} bytes, more than a CQL frame holds (256 MiB)";
            return null;
        }
        error = null;
        return _row.Body.ToArray();
    }

    /// <summary>Fills <paramref name="batch"/> with the rows from <paramref name="start"/> that fit in max_batch_kb (at least one).</summary>
    /// <returns>The index after the last row taken.</returns>
    int NextBatch(byte[]?[] rows, int start, List<byte[]> batch, List<int> members)
    {
        batch.Clear();
        members.Clear();
        long bytes = 0;
        var i = start;
        for (; i < rows.Length; i++)
        {
            if (rows[i] is not { } row) continue;
            if (batch.Count > 0 && (bytes + row.Length > _maxBatchBytes || batch.Count == ushort.MaxValue)) break;
            batch.Add(row);
            members.Add(i);
            bytes += row.Length;
        }
        return i;
    }

    /// <summary>Sends rows as one EXECUTE or one UNLOGGED BATCH.</summary>
    /// <returns>Null when written; the server's reason when it refused the statement as invalid.</returns>
    async Task<string?> SendAsync(List<byte[]> rows, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (connection, prepared) = await SessionAsync(cancellationToken);
            try
            {
                if (rows.Count == 1) await connection.ExecuteAsync(prepared, rows[0], _consistency, cancellationToken);
                else await connection.BatchAsync(prepared, rows, _consistency, cancellationToken);
                return null;
            }
            catch (CqlServerException ex) when (ex.Code == CqlServerException.Unprepared && attempt == 0)
            {
                _prepared = null; // the node restarted or evicted the statement: prepared again, then sent again
            }
            catch (CqlServerException ex) when (ex.Code == CqlServerException.Unprepared)
            {
                throw new TransientException($"{Program}: {connection.Where} forgot the INSERT again as soon as it was prepared: {ex.ServerMessage}", ex);
            }
            catch (CqlServerException ex) when (ex.IsConfiguration)
            {
                throw new ConfigurationException($"{Program}: {connection.Where} refused the INSERT into {_tableName}: {ex.Message}");
            }
            catch (CqlServerException ex) when (!ex.IsTransient)
            {
                return $"{Program}: {connection.Where} refused the row: {ex.Message}";
            }
        }
    }

    /// <summary>The open connection and the INSERT prepared on it; connects, creates the table and prepares when needed.</summary>
    async Task<(CqlConnection Connection, CqlPrepared Prepared)> SessionAsync(CancellationToken cancellationToken)
    {
        var connection = _connection ??= await ConnectAsync(cancellationToken);
        if (_prepared is { } ready) return (connection, ready);
        try
        {
            if (_createTable && !_tableCreated)
            {
                await connection.QueryAsync(_create, _consistency, cancellationToken);
                _tableCreated = true;
            }
            _prepared = Checked(await connection.PrepareAsync(_insert, cancellationToken), connection);
            return (connection, _prepared);
        }
        catch (CqlServerException ex) when (!ex.IsTransient)
        {
            var what = _createTable && !_tableCreated ? $"create {_tableName}" : $"prepare the INSERT into {_tableName}";
            throw new ConfigurationException($"{Program}: {connection.Where}: cannot {what}: {ex.Message}. Check keyspace, table and columns (the keyspace must exist; an existing table needs the columns id, {string.Join(", ", _columns.Select(c => c.ColumnName))}{(_jsonColumn.Length > 0 ? ", " + _jsonColumn : "")}).");
        }
    }

    CqlPrepared Checked(CqlPrepared prepared, CqlConnection connection)
    {
        var expected = 1 + _columns.Length + (_jsonColumn.Length > 0 ? 1 : 0);
        if (prepared.Types.Count != expected)
            throw new InvalidDataException($"{connection.Where} prepared the INSERT with {prepared.Types.Count} bind markers, not {expected}");
        for (var i = 0; i < expected; i++)
            if (!CqlValue.IsWritable(prepared.Types[i]))
                throw new ConfigurationException($"{Program}: column '{prepared.Names[i]}' of {_tableName} is {CqlType.Name(prepared.Types[i])}; {Program} writes text, ascii, blob, bigint, int, smallint, tinyint, boolean, double, float, timestamp, date, inet, uuid and timeuuid columns.");
        if (_jsonColumn.Length > 0 && prepared.Types[^1] is not (CqlType.Varchar or CqlType.Blob))
            throw new ConfigurationException($"{Program}: json_column '{_jsonColumn}' of {_tableName} is {CqlType.Name(prepared.Types[^1])}; it must be text.");
        return prepared;
    }

    /// <summary>Connects to the first node that answers, starting with the one that answered last.</summary>
    async Task<CqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        for (var k = 0; k < _hosts.Length; k++)
        {
            var i = (_preferred + k) % _hosts.Length;
            var host = _hosts[i];
            var tls = _tls ? new SslClientAuthenticationOptions { TargetHost = host.Host, RemoteCertificateValidationCallback = _verifyCert ? null : (_, _, _, _) => true } : null;
            try
            {
                var connection = await CqlConnection.OpenAsync(host, tls, _credentials, _timeout, _log, cancellationToken);
                _preferred = i;
                return connection;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                failures.Add(ex.Message.StartsWith(host.ToString(), StringComparison.Ordinal) ? ex.Message : $"{host}: {ex.Message}");
            }
            catch (CqlServerException ex) when (ex.Code == CqlServerException.AuthenticationError)
            {
                throw new ConfigurationException($"{Program}: {host} refused the login of '{_credentials?.User}': {ex.ServerMessage}; check the options username and password.");
            }
            catch (CqlServerException ex)
            {
                throw new ConfigurationException($"{Program}: {host} refused to start a session: {ex.Message}");
            }
        }
        throw new TransientException($"{Program}: no node answered: {string.Join("; ", failures)}");
    }

    /// <summary>Logs in to a node on a connection of its own and asks for its options (OPTIONS → SUPPORTED).</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var connection = await ConnectAsync(cancellationToken);
            await connection.OptionsAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(ex.Message.StartsWith(Program, StringComparison.Ordinal) ? ex.Message : $"{Program}: {ex.Message}", ex);
        }
    }

    static void Identifier(string option, string name)
    {
        if (!IdentifierPattern().IsMatch(name))
            throw new ConfigurationException($"{Program}: option '{option}': '{name}' is not a CQL name; use letters, digits and underscores, starting with a letter (names are used as given, case-sensitive).");
    }

    static string Quote(string name) => $"\"{name}\"";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,47}$")]
    private static partial Regex IdentifierPattern();

    void Disconnect()
    {
        _connection?.Dispose();
        _connection = null;
        _prepared = null;
    }

    public void Dispose() => Disconnect();
}
