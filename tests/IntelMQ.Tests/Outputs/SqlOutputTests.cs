using System.Buffers.Binary;
using System.Text;
using IntelMQ.Core;
using IntelMQ.Outputs;
using Microsoft.Data.Sqlite;

namespace IntelMQ.Tests.Outputs;

public sealed class SqlOutputTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("intelmq-sql-").FullName;
    string Database => Path.Combine(_directory, "events.sqlite");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The eventdb's table as IntelMQ's docs create it in SQLite: the CREATE TABLE of eventdb-events.sql as it is.</summary>
    void CreateEventdb()
    {
        var schema = File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "eventdb-events.sql"));
        Execute(schema[..(schema.IndexOf(");", StringComparison.Ordinal) + 2)]);
    }

    void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    List<Dictionary<string, object>> Rows(string table = "events")
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object>();
            for (var i = 0; i < reader.FieldCount; i++)
                if (!reader.IsDBNull(i)) row[reader.GetName(i)] = reader.GetValue(i); // the storage class decides the CLR type: long, double, string
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>SQLite's file change counter (header offset 24): incremented once by every committed write transaction.</summary>
    int Commits() => BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(Database).AsSpan(24, 4));

    SqlOutput Output(SqlOutputOptions? options = null) =>
        new((options ?? new()) with { Engine = SqlEngine.Sqlite, Database = Database, BusyTimeout = 1 }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(SqlOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, TestContext.Current.CancellationToken);
        return results;
    }

    static Event NewEvent(int i, bool withFeed = true)
    {
        var ev = Event.Create();
        if (withFeed) ev.Add("feed.name", "Test Feed");
        ev.Add("source.ip", $"192.0.2.{i % 250 + 1}");
        ev.Add("comment", $"event {i}");
        return ev;
    }

    [Fact]
    public async Task An_event_is_stored_with_the_values_intelmqs_sql_output_stores()
    {
        CreateEventdb();
        var raw = Convert.ToBase64String(Encoding.UTF8.GetBytes("\"2024-05-01 12:00:00\",\"192.0.2.1\",445,\"Köln\""));
        var dho = $$"""
            {"__type": "Event", "feed.name": "Shadowserver Scan SMB", "feed.accuracy": 100.0,
             "time.source": "2024-05-01T12:00:00+00:00", "time.observation": "2024-05-02T00:00:00+00:00",
             "source.ip": "192.0.2.1", "source.port": 445, "source.asn": 64496, "source.tor_node": false,
             "source.geolocation.city": "Köln", "classification.taxonomy": "vulnerable",
             "classification.type": "vulnerable-system", "classification.identifier": "smb",
             "protocol.transport": "tcp", "extra.tag": "smb", "extra.naics": 517311, "extra.städte": ["Köln", "Wien"],
             "raw": "{{raw}}"}
            """;
        using var output = Output();

        var results = await Write(output, EventJson.Read(Encoding.UTF8.GetBytes(dho), MessageFormat.Dho));

        Assert.Equal(WriteResult.Written, Assert.Single(results));
        var row = Assert.Single(Rows());
        // From IntelMQ's docs and the eventdb schema: field names as columns, extra as json.dumps text, raw in base64,
        // integers and floats as numbers, booleans as Python's sqlite3 stores them (0/1), every other column NULL.
        var expected = new Dictionary<string, object>
        {
            ["feed.name"] = "Shadowserver Scan SMB",
            ["feed.accuracy"] = 100.0,
            ["time.source"] = "2024-05-01T12:00:00+00:00",
            ["time.observation"] = "2024-05-02T00:00:00+00:00",
            ["source.ip"] = "192.0.2.1",
            ["source.port"] = 445L,
            ["source.asn"] = 64496L,
            ["source.tor_node"] = 0L,
            ["source.geolocation.city"] = "Köln",
            ["classification.taxonomy"] = "vulnerable",
            ["classification.type"] = "vulnerable-system",
            ["classification.identifier"] = "smb",
            ["protocol.transport"] = "tcp",
            ["extra"] = """{"tag": "smb", "naics": 517311, "st\u00e4dte": ["K\u00f6ln", "Wien"]}""",
            ["raw"] = raw,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), row.OrderBy(e => e.Key));
    }

    [Fact]
    public async Task A_batch_of_500_is_written_in_one_transaction()
    {
        CreateEventdb();
        using var output = Output();
        var before = Commits();

        var results = await Write(output, [.. Enumerable.Range(0, 500).Select(i => NewEvent(i))]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(500, Rows().Count);
        Assert.Equal(before + 1, Commits());
    }

    [Fact]
    public async Task A_row_violating_a_constraint_is_refused_with_sqlites_reason_and_the_others_written()
    {
        Execute("""CREATE TABLE events ("feed.name" text NOT NULL, "source.ip" text, "comment" text CHECK ("comment" <> 'forbidden'))""");
        using var output = Output();
        var events = Enumerable.Range(0, 500).Select(i => NewEvent(i, withFeed: i != 250)).ToList();

        var results = await Write(output, events);

        Assert.Equal(WriteStatus.Refused, results[250].Status);
        Assert.Contains("NOT NULL constraint failed: events.feed.name", results[250].Reason);
        Assert.Equal(499, results.Count(r => r == WriteResult.Written));
        var comments = Rows().Select(r => (string)r["comment"]).ToList();
        Assert.Equal(499, comments.Count);
        Assert.DoesNotContain("event 250", comments);

        var check = NewEvent(1);
        check.Add("comment", "forbidden", overwrite: true);
        var second = await Write(output, [NewEvent(2), check]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused], second.Select(r => r.Status));
        Assert.Contains("CHECK constraint failed", second[1].Reason);
    }

    [Fact]
    public async Task An_event_with_a_column_the_table_lacks_is_refused_alone()
    {
        CreateEventdb();
        using var output = Output(new() { JsondictAsString = false });
        var odd = NewEvent(1);
        odd.Add("custom.product", "x");

        var results = await Write(output, [NewEvent(0), odd, NewEvent(2)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused, WriteStatus.Written], results.Select(r => r.Status));
        Assert.Contains("has no column named extra.product", results[1].Reason);
        Assert.Equal(2, Rows().Count);
    }

    [Fact]
    public async Task Fields_limits_the_columns_written()
    {
        CreateEventdb();
        using var output = Output(new() { Fields = ["source.ip", "extra"] });
        var ev = NewEvent(0);
        ev.Add("custom.tag", "smb");

        await Write(output, [ev]);

        Assert.Equal(["extra", "source.ip"], Rows().Single().Keys.Order());
    }

    [Fact]
    public async Task A_locked_database_is_a_transient_failure_and_the_batch_goes_in_once_it_is_free()
    {
        CreateEventdb();
        using var output = Output();
        using (var holder = new SqliteConnection($"Data Source={Database};Pooling=false"))
        {
            holder.Open();
            using var exclusive = holder.BeginTransaction();
            using (var command = holder.CreateCommand())
            {
                command.Transaction = exclusive;
                command.CommandText = """INSERT INTO events ("comment") VALUES ('held')""";
                command.ExecuteNonQuery();
            }

            await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
            exclusive.Rollback();
        }

        var results = await Write(output, [NewEvent(0)]);

        Assert.Equal(WriteResult.Written, Assert.Single(results));
        Assert.Single(Rows());
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_or_lacks_the_table_is_a_transient_failure()
    {
        using var missingFile = Output();
        await Assert.ThrowsAsync<TransientException>(() => Write(missingFile, [NewEvent(0)]));

        Execute("CREATE TABLE other (x)");
        using var missingTable = Output();
        var error = await Assert.ThrowsAsync<TransientException>(() => Write(missingTable, [NewEvent(0)]));
        Assert.Contains("no table or view 'events'", error.Message);
    }

    [Fact]
    public async Task The_health_check_opens_the_database_and_finds_the_table()
    {
        Execute("CREATE TABLE other (x)");
        using var output = Output();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Contains("'events'", error.Message);

        CreateEventdb();
        await output.CheckAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Engine_mssql_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => new SqlOutput(new() { Engine = SqlEngine.Mssql }, ProgramContext.Default));

        Assert.Contains("engine 'mssql' is not supported", error.Message);
    }

    [Fact]
    public void An_unknown_field_name_is_refused_at_construction()
    {
        var error = Assert.Throws<ConfigurationException>(() => new SqlOutput(new() { Engine = SqlEngine.Sqlite, Fields = ["source.domain"] }, ProgramContext.Default));

        Assert.Contains("'source.domain' is not an IntelMQ field name", error.Message);
    }
}
