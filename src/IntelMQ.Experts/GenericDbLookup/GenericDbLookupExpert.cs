using System.Data.Common;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntelMQ.Experts.GenericDbLookup;

/// <summary>Fills fields from the row of a database table that matches the event, as IntelMQ's generic_db_lookup expert does.</summary>
[Program("generic-db-lookup-expert", ProgramKind.Expert, "Fills event fields from the one row of a PostgreSQL or SQLite table whose columns match the event's fields.",
    Modules = ["intelmq.bots.experts.generic_db_lookup.expert"],
    Options = typeof(GenericDbLookupExpertOptions),
    Description = """
        For each event that has every field of match_fields, selects the replace_fields columns of the table's rows
        whose match columns equal those values (one parameterised query). One row: its columns are written to the
        replace_fields fields (a field the event has is kept unless overwrite=true; a NULL column is skipped). No
        row: the event passes unchanged. Several rows: the event goes to the dump, as IntelMQ refuses it. Answers
        are cached per distinct key (least recently used go first), so each key is asked once. Table and column
        names must be plain identifiers; they are quoted in the query. A database that cannot be reached is a
        transient failure: the event is retried later.
        """,
    Examples = [
        "intelmq run generic-db-lookup-expert --set engine=sqlite --set database=/var/lib/intelmq/contacts.db --set table=contacts --set 'match_fields={\"source.asn\": \"asn\"}' --set 'replace_fields={\"contact\": \"source.abuse_contact\"}' < events.jsonl",
    ])]
public sealed partial class GenericDbLookupExpert : IExpert, IDisposable
{
    const string Program = "generic-db-lookup-expert";

    readonly (string Field, string Column)[] _match;
    readonly (string Column, string Field)[] _replace;
    readonly DbConnection _connection;
    readonly string _query;
    readonly bool _overwrite;
    readonly LruCache<string, object?[]?> _cache;

    public GenericDbLookupExpert(GenericDbLookupExpertOptions options)
    {
        if (options.MatchFields is not { Count: > 0 } match || options.ReplaceFields is not { Count: > 0 } replace)
            throw new ConfigurationException($"{Program}: options 'match_fields' and 'replace_fields' must both name fields, e.g. match_fields={{\"source.asn\": \"asn\"}}.");
        _match = [.. match.Select(m => (IntelMQFields.Require(Program, "match_fields", m.Key), Identifier("match_fields", m.Value)))];
        _replace = [.. replace.Select(r => (Identifier("replace_fields", r.Key), IntelMQFields.Require(Program, "replace_fields", r.Value)))];
        var table = Identifier("table", options.Table);
        _query = $"SELECT {string.Join(", ", _replace.Select(r => r.Column))} FROM {table} WHERE {string.Join(" AND ", _match.Select((m, i) => $"{m.Column} = @p{i}"))}";
        _connection = options.Engine.ToLowerInvariant() switch
        {
            "postgresql" => new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = options.Host, Port = options.Port, Database = options.Database, Username = options.User,
                Password = options.Password.IsEmpty ? null : options.Password.Reveal(),
                SslMode = Enum.TryParse<SslMode>(options.Sslmode.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var mode) ? mode
                    : throw new ConfigurationException($"{Program}: option 'sslmode': '{options.Sslmode}' is not disable, allow, prefer, require, verify-ca or verify-full."),
            }.ConnectionString),
            "sqlite" => new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = options.Database, Mode = SqliteOpenMode.ReadOnly }.ConnectionString),
            _ => throw new ConfigurationException($"{Program}: option 'engine': '{options.Engine}' is not postgresql or sqlite."),
        };
        _overwrite = options.Overwrite;
        _cache = new(options.CacheSize);
    }

    public void Process(Event ev, IEmitter output)
    {
        var values = new object[_match.Length];
        for (var i = 0; i < _match.Length; i++)
        {
            if (ev[_match[i].Field] is not { } value)
            {
                output.Emit(ev);
                return;
            }
            values[i] = value;
        }
        var key = string.Join('\u001f', values);
        if (!_cache.TryGet(key, out var row))
            _cache.Add(key, row = Lookup(values));
        if (row is not null)
            for (var i = 0; i < _replace.Length; i++)
                if (row[i] is { } value and not DBNull)
                    ev.TryAdd(_replace[i].Field, value, _overwrite);
        output.Emit(ev);
    }

    /// <returns>The matching row's replace columns, or null when no row matches.</returns>
    object?[]? Lookup(object[] values)
    {
        try
        {
            if (_connection.State != System.Data.ConnectionState.Open)
            {
                _connection.Close();
                _connection.Open();
            }
            using var command = _connection.CreateCommand();
            command.CommandText = _query;
            for (var i = 0; i < values.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"p{i}";
                parameter.Value = values[i];
                command.Parameters.Add(parameter);
            }
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            var row = new object?[_replace.Length];
            reader.GetValues(row!);
            if (reader.Read())
                throw new InvalidDataException($"{Program}: more than one row of the table matches {string.Join(", ", values)}; the lookup needs exactly one.");
            return row;
        }
        catch (Exception ex) when (ex is NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException or TimeoutException)
        {
            _connection.Close();
            throw new TransientException($"{Program}: the database cannot be reached: {ex.Message}", ex);
        }
    }

    static string Identifier(string option, string name) =>
        IdentifierPattern().IsMatch(name) ? $"\"{name}\""
            : throw new ConfigurationException($"{Program}: option '{option}': '{name}' is not a plain table or column name (letters, digits, _).");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    public void Dispose() => _connection.Dispose();
}
