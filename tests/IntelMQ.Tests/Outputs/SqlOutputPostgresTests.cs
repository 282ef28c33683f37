using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs;
using Npgsql;

namespace IntelMQ.Tests.Outputs;

public sealed class SqlOutputPostgresTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    readonly string _table = "events_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>IntelMQ's eventdb table (eventdb-events.sql as it is, under another name so that tests do not share one).</summary>
    void CreateEventdb(string table)
    {
        var schema = File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "eventdb-events.sql"));
        server.Required().Execute(schema.Replace("events", table, StringComparison.Ordinal));
    }

    SqlOutput Output(SqlOutputOptions? options = null) => new((options ?? new()) with
    {
        Engine = SqlEngine.Postgresql, Host = "127.0.0.1", Port = server.Port, Database = "intelmq", User = "intelmq",
        Sslmode = "disable", Table = _table, ConnectTimeout = 2,
    }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(SqlOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, TestContext.Current.CancellationToken);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add("feed.code", "test");
        ev.Add("source.ip", $"192.0.2.{i % 250 + 1}");
        ev.Add("comment", $"event {i}");
        return ev;
    }

    /// <summary>Every row of a table as PostgreSQL's jsonb text, without the serial id, in insertion order.</summary>
    List<string> Rows(string table)
    {
        using var connection = server.Connect();
        using var query = new NpgsqlCommand($"SELECT (to_jsonb(e) - 'id')::text FROM \"{table}\" e ORDER BY id", connection);
        using var reader = query.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }

    long Scalar(string sql)
    {
        using var connection = server.Connect();
        using var query = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The events IntelMQ's parsers emitted in its own tests (the corpus fixtures' actual output), as DHO messages.
    /// </summary>
    static List<JsonObject> CorpusEvents()
    {
        var events = new List<JsonObject>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.Corpus, "intelmq-tests", "parsers"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (JsonNode.Parse(File.ReadAllText(file))?["actual_output"]?["_default"] is not JsonArray messages) continue;
            foreach (var message in messages)
            {
                if (message is not JsonObject dho || (string?)dho["__type"] != "Event") continue;
                dho.Remove("raw_text"); // added by the corpus extractor, not part of the message
                events.Add(dho);
            }
        }
        return events;
    }

    /// <summary>
    /// The INSERT IntelMQ's sql output runs for one event: its keys as columns (extra.* gathered into one JSON
    /// 'extra'), each value as the literal psycopg2 sends for it: strings quoted, numbers and booleans bare.
    /// </summary>
    static string IntelMQInsert(string table, JsonObject dho)
    {
        var columns = new List<string>();
        var values = new List<string>();
        var extra = new JsonObject();
        foreach (var (key, value) in dho)
        {
            if (key == "__type") continue;
            if (key.StartsWith("extra.", StringComparison.Ordinal))
            {
                extra[key["extra.".Length..]] = value?.DeepClone();
                continue;
            }
            columns.Add(key);
            values.Add(Literal(value));
        }
        if (extra.Count > 0)
        {
            columns.Add("extra");
            values.Add(Quoted(extra.ToJsonString()));
        }
        return $"INSERT INTO \"{table}\" (\"{string.Join("\", \"", columns)}\") VALUES ({string.Join(", ", values)})";

        static string Literal(JsonNode? value) => value?.GetValueKind() switch
        {
            null or JsonValueKind.Null => "NULL",
            JsonValueKind.String => Quoted(value.GetValue<string>()),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
            _ => Quoted(value.ToJsonString()),
        };

        static string Quoted(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    [Fact]
    public async Task Corpus_events_are_stored_as_the_rows_intelmqs_sql_output_stores()
    {
        CreateEventdb(_table);
        var intelmqTable = _table + "_intelmq";
        CreateEventdb(intelmqTable);
        var corpus = CorpusEvents();
        Assert.True(corpus.Count > 300, $"only {corpus.Count} corpus events");

        // IntelMQ's rows: one INSERT per event; one PostgreSQL refuses is an event IntelMQ's output fails on.
        var refusedByIntelMQ = new HashSet<int>();
        await using (var connection = server.Connect())
        {
            for (var i = 0; i < corpus.Count; i++)
            {
                await using var insert = new NpgsqlCommand(IntelMQInsert(intelmqTable, corpus[i]), connection);
                try { await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken); }
                catch (PostgresException) { refusedByIntelMQ.Add(i); }
            }
        }
        var events = corpus.Select(dho => Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(dho.ToJsonString()), MessageFormat.Dho))).ToList();
        using var output = Output();

        var results = await Write(output, events);

        Assert.Equal(refusedByIntelMQ.Order(), Enumerable.Range(0, results.Length).Where(i => results[i].Status == WriteStatus.Refused));
        // Compared as jsonb, so extra counts as equal JSON; its text as json.dumps writes it is pinned in SqlOutputTests.
        Assert.Equal(Rows(intelmqTable), Rows(_table));
    }

    [Fact]
    public async Task A_batch_is_one_COPY_in_one_transaction()
    {
        CreateEventdb(_table);
        using var output = Output();

        var results = await Write(output, [.. Enumerable.Range(0, 2000).Select(NewEvent)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(2000, Scalar($"SELECT count(*) FROM \"{_table}\""));
        Assert.Equal(1, Scalar($"SELECT count(DISTINCT xmin::text) FROM \"{_table}\""));
    }

    [Fact]
    public async Task Values_too_long_for_their_column_are_refused_with_postgresqls_message_and_the_rest_written()
    {
        CreateEventdb(_table);
        using var output = Output();
        var events = Enumerable.Range(0, 1000).Select(NewEvent).ToList();
        foreach (var i in (int[])[0, 417, 418, 999]) events[i].Add("feed.code", new string('x', 101), overwrite: true);

        var results = await Write(output, events);

        Assert.Equal([0, 417, 418, 999], Enumerable.Range(0, 1000).Where(i => results[i].Status == WriteStatus.Refused));
        Assert.Equal("sql-output: value too long for type character varying(100) (column feed.code)", results[417].Reason);
        Assert.Equal(996, Scalar($"SELECT count(*) FROM \"{_table}\""));
        Assert.Equal(0, Scalar($"SELECT count(*) FROM \"{_table}\" WHERE comment IN ('event 0', 'event 417', 'event 418', 'event 999')"));
    }

    [Fact]
    public async Task A_constraint_violation_is_refused_alone()
    {
        server.Required().Execute($"""CREATE TABLE "{_table}" (id bigserial, "feed.name" text, "comment" text UNIQUE, "source.ip" inet, "feed.code" text)""");
        using var output = Output();
        var events = Enumerable.Range(0, 10).Select(NewEvent).ToList();
        events[6].Add("comment", "event 2", overwrite: true);

        var results = await Write(output, events);

        Assert.Equal([6], Enumerable.Range(0, 10).Where(i => results[i].Status == WriteStatus.Refused));
        Assert.StartsWith("sql-output: duplicate key value violates unique constraint", results[6].Reason);
        Assert.Equal(9, Scalar($"SELECT count(*) FROM \"{_table}\""));
    }

    [Fact]
    public async Task An_event_with_a_column_the_table_lacks_is_refused_alone()
    {
        CreateEventdb(_table);
        using var output = Output(new() { JsondictAsString = false });
        var odd = NewEvent(1);
        odd.Add("custom.product", "x");

        var results = await Write(output, [NewEvent(0), odd, NewEvent(2)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused, WriteStatus.Written], results.Select(r => r.Status));
        Assert.Equal($"sql-output: column \"extra.product\" of relation \"{_table}\" does not exist", results[1].Reason);
        Assert.Equal(2, Scalar($"SELECT count(*) FROM \"{_table}\""));
    }

    [Fact]
    public async Task A_column_default_fills_what_an_event_lacks()
    {
        server.Required().Execute($"""CREATE TABLE "{_table}" (id bigserial, "comment" text, "feed.code" text DEFAULT 'none', "source.ip" inet, "feed.name" text)""");
        using var output = Output();
        var without = NewEvent(1);
        without.Remove("feed.code");

        await Write(output, [NewEvent(0), without]);

        Assert.Equal(1, Scalar($"SELECT count(*) FROM \"{_table}\" WHERE \"feed.code\" = 'none' AND comment = 'event 1'"));
        Assert.Equal(1, Scalar($"SELECT count(*) FROM \"{_table}\" WHERE \"feed.code\" = 'test' AND comment = 'event 0'"));
    }

    [Fact]
    public async Task A_lost_connection_is_a_transient_failure_and_the_batch_goes_in_once_the_server_is_back()
    {
        CreateEventdb(_table);
        using var output = Output();
        Assert.All(await Write(output, [NewEvent(0)]), r => Assert.Equal(WriteResult.Written, r));

        server.Stop();
        try
        {
            await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(1), NewEvent(2)]));
            await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(1), NewEvent(2)]));
        }
        finally
        {
            server.Start();
        }

        var results = await Write(output, [NewEvent(1), NewEvent(2)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(3, Scalar($"SELECT count(*) FROM \"{_table}\""));
    }

    [Fact]
    public async Task A_missing_table_is_a_transient_failure()
    {
        server.Required();
        using var output = Output();

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));

        Assert.Contains($"no table '{_table}'", error.Message);
    }

    [Fact]
    public async Task The_health_check_connects_and_finds_the_table()
    {
        server.Required();
        using var output = Output();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Contains(_table, error.Message);

        CreateEventdb(_table);
        await output.CheckAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void An_unknown_sslmode_is_refused_at_construction()
    {
        var error = Assert.Throws<ConfigurationException>(() => new SqlOutput(new() { Sslmode = "sometimes" }, ProgramContext.Default));

        Assert.Contains("option 'sslmode'", error.Message);
    }
}
