using System.Net;
using IntelMQ.Core;
using IntelMQ.Outputs.Cassandra;

namespace IntelMQ.Tests.Outputs;

public sealed class CassandraOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("time.source")!, "2026-05-01T10:00:00+00:00");
        ev.Add(DhoMapping.ToIdf("classification.type")!, "scanner");
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.port")!, 8080L);
        ev.Add(DhoMapping.ToIdf("source.asn")!, 64496L);
        ev.Add("custom.note", "n");
        ev.Add(Event.OriginalField, $"raw line {i}");
        ev.AssignStableId();
        return ev;
    }

    static List<Event> Events(int count) => [.. Enumerable.Range(0, count).Select(NewEvent)];

    static CassandraOutput Output(CqlTestServer server, CassandraOutputOptions? options = null) =>
        new((options ?? new()) with { Hosts = [$"127.0.0.1:{server.Port}"], Keyspace = "intelmq", TimeoutSec = 5 }, ProgramContext.Default);

    static async Task<WriteResult[]> WriteAsync(CassandraOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    [Fact]
    public async Task A_batch_becomes_one_unlogged_batch_of_prepared_inserts_into_the_table_it_creates()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);
        var events = Events(10);

        var results = await WriteAsync(output, events);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var table = server.Tables["events"];
        Assert.Equal(("id", "uuid"), table[0]);
        Assert.Contains(("time_source", "timestamp"), table);
        Assert.Contains(("source_ip", "inet"), table);
        Assert.Contains(("source_port", "int"), table);
        Assert.Contains(("source_asn", "bigint"), table);
        Assert.Contains(("feed_accuracy", "double"), table);
        Assert.Equal(("event", "text"), table[^1]);
        var write = Assert.Single(server.Writes);
        Assert.Equal(("BATCH", 10, (ushort)0x0006), (write.Kind, write.Count, write.Consistency));
        var row = server.Rows[Guid.Parse(events[0].Id!)];
        Assert.Equal(IPAddress.Parse("192.0.2.1"), row["source_ip"]);
        Assert.Equal(8080, row["source_port"]);
        Assert.Equal(64496L, row["source_asn"]);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero), row["time_source"]);
        Assert.Equal("scanner", row["classification_type"]);
        Assert.Contains("\"ip\":\"192.0.2.1\"", (string)row["event"]!);
        Assert.False(row.ContainsKey("destination_ip"), "a field the event does not have is left unset, not written as null");
    }

    [Fact]
    public async Task Intelmq_run_writes_the_events_and_dumps_the_one_the_node_refuses()
    {
        await using var server = CqlTestServer.Start();
        server.Refuse = row => row["source_ip"] is IPAddress ip && ip.Equals(IPAddress.Parse("192.0.2.2")) ? "Invalid value for column source_ip" : null;
        using var intelmq = new IntelMQCommand();
        var input = string.Concat(Enumerable.Range(1, 3).Select(i =>
            $$"""{"__type": "Event", "feed.name": "Test Feed", "classification.type": "scanner", "source.ip": "192.0.2.{{i}}"}""" + "\n"));

        var run = await Task.Run(() => intelmq.Run(input, "run", "cassandra-output", "--set", $"hosts=127.0.0.1:{server.Port}", "--set", "keyspace=intelmq",
            "--dump", intelmq.PathOf("dump.jsonl")), Cancel);

        Assert.True(run.ExitCode == 1, run.Stderr);
        Assert.Equal(2, server.Rows.Count);
        Assert.Contains("Invalid value for column source_ip", Assert.Single(File.ReadAllLines(intelmq.PathOf("dump.jsonl"))));
    }

    [Fact]
    public async Task Writing_a_batch_again_overwrites_its_rows_by_event_id()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);
        var events = Events(5);

        await WriteAsync(output, events);
        await WriteAsync(output, events);

        Assert.Equal(5, server.Rows.Count);
        Assert.Single(server.Statements, s => s.StartsWith("CREATE TABLE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_row_the_server_refuses_is_found_one_statement_at_a_time_and_dumped_with_its_message()
    {
        await using var server = CqlTestServer.Start();
        server.Refuse = row => row["source_ip"] is IPAddress ip && ip.Equals(IPAddress.Parse("192.0.2.4")) ? "Invalid value for column source_ip" : null;
        using var output = Output(server);

        var results = await WriteAsync(output, Events(10));

        Assert.Equal(WriteStatus.Refused, results[3].Status);
        Assert.Contains("Invalid value for column source_ip", results[3].Reason);
        Assert.Equal(9, results.Count(r => r == WriteResult.Written));
        Assert.Equal(9, server.Rows.Count);
        Assert.All(server.Writes, w => Assert.Equal(("EXECUTE", 1), (w.Kind, w.Count)));
    }

    [Fact]
    public async Task Overloaded_retries_the_whole_batch_when_nothing_was_written()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);
        var events = Events(4);
        server.Overload(1);

        var error = await Assert.ThrowsAsync<TransientException>(async () => await WriteAsync(output, events));
        var results = await WriteAsync(output, events);

        Assert.Contains("Overloaded", error.Message);
        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(4, server.Rows.Count);
    }

    [Fact]
    public async Task Overloaded_after_some_batches_were_written_retries_only_the_events_after_them()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server, new() { MaxBatchKb = 1 });
        var events = Events(10);
        server.Overload(1, after: 3);

        var results = await WriteAsync(output, events);

        var written = results.TakeWhile(r => r == WriteResult.Written).Count();
        Assert.True(written > 0 && written < 10, $"{written} written before the Overloaded answer");
        Assert.All(results[written..], r => Assert.Equal(WriteStatus.Retry, r.Status));
        Assert.Equal(written, server.Rows.Count);
    }

    [Fact]
    public async Task A_batch_bigger_than_max_batch_kb_is_split()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server, new() { MaxBatchKb = 4 });

        var results = await WriteAsync(output, Events(50));

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(50, server.Rows.Count);
        Assert.True(server.Writes.Count > 1);
        Assert.Equal(50, server.Writes.Sum(w => w.Count));
        Assert.All(server.Writes, w => Assert.True(w.Bytes < 4 * 1024 + 512, $"a batch of {w.Bytes} bytes"));
    }

    [Fact]
    public async Task A_login_is_sent_as_sasl_plain()
    {
        await using var server = CqlTestServer.Start(login: ("intelmq", "s3cret"));
        using var output = Output(server, new() { Username = "intelmq", Password = new("s3cret") });

        var results = await WriteAsync(output, Events(2));
        await output.CheckAsync(Cancel);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
    }

    [Fact]
    public async Task A_refused_login_is_a_configuration_error()
    {
        await using var server = CqlTestServer.Start(login: ("intelmq", "s3cret"));
        using var output = Output(server, new() { Username = "intelmq", Password = new("wrong") });

        var error = await Assert.ThrowsAsync<ConfigurationException>(async () => await WriteAsync(output, Events(1)));
        var check = await Assert.ThrowsAsync<InvalidOperationException>(async () => await output.CheckAsync(Cancel));

        Assert.Contains("password are incorrect", error.Message);
        Assert.Contains("password", check.Message);
    }

    [Fact]
    public async Task A_node_asking_for_a_login_none_is_configured_for_is_a_configuration_error()
    {
        await using var server = CqlTestServer.Start(login: ("intelmq", "s3cret"));
        using var output = Output(server);

        var error = await Assert.ThrowsAsync<ConfigurationException>(async () => await WriteAsync(output, Events(1)));

        Assert.Contains("PasswordAuthenticator", error.Message);
        Assert.Contains("username", error.Message);
    }

    [Fact]
    public async Task A_value_that_does_not_fit_its_column_is_refused_without_being_sent()
    {
        await using var server = CqlTestServer.Start();
        server.AddTable("notes", ("id", "uuid"), ("ip", "inet"), ("note", "int"));
        using var output = Output(server, new()
        {
            Table = "notes", CreateTable = false, JsonColumn = "",
            Columns = new Dictionary<string, string> { ["source.ip"] = "ip", ["extra.note"] = "note" },
        });
        var events = Events(3);
        events[0].Add("custom.note", 7L, overwrite: true);
        events[2].Add("custom.note", 8L, overwrite: true);

        var results = await WriteAsync(output, events);

        Assert.Equal(WriteStatus.Refused, results[1].Status);
        Assert.Contains("column 'note' (int): extra.note 'n' is not a whole number", results[1].Reason);
        Assert.Equal(new[] { 7, 8 }, server.Rows.Values.Select(r => (int)r["note"]!).Order());
        Assert.Equal(2, Assert.Single(server.Writes).Count);
    }

    [Fact]
    public async Task A_missing_keyspace_is_a_configuration_error()
    {
        await using var server = CqlTestServer.Start(keyspace: "intelmq");
        using var output = new CassandraOutput(new() { Hosts = [$"127.0.0.1:{server.Port}"], Keyspace = "other" }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<ConfigurationException>(async () => await WriteAsync(output, Events(1)));

        Assert.Contains("Keyspace 'other' doesn't exist", error.Message);
    }

    [Fact]
    public async Task An_existing_table_without_a_configured_column_is_a_configuration_error()
    {
        await using var server = CqlTestServer.Start();
        server.AddTable("events", ("id", "uuid"), ("event", "text"));
        using var output = Output(server);

        var error = await Assert.ThrowsAsync<ConfigurationException>(async () => await WriteAsync(output, Events(1)));

        Assert.Contains("Undefined column name time_source", error.Message);
        Assert.Empty(server.Rows);
    }

    [Fact]
    public async Task A_statement_the_node_forgot_is_prepared_again()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);
        await WriteAsync(output, Events(2));
        server.ForgetPrepared();

        var results = await WriteAsync(output, [NewEvent(5), NewEvent(6)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(2, server.Statements.Count(s => s.StartsWith("INSERT", StringComparison.Ordinal)));
        Assert.Equal(4, server.Rows.Count);
    }

    [Fact]
    public async Task A_lost_connection_is_transient_and_the_next_batch_connects_again()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);
        await WriteAsync(output, Events(1));
        server.DropNextWrite();

        await Assert.ThrowsAsync<TransientException>(async () => await WriteAsync(output, [NewEvent(1)]));
        var results = await WriteAsync(output, [NewEvent(1)]);

        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Equal(2, server.Connections);
        Assert.Equal(2, server.Rows.Count);
    }

    [Fact]
    public async Task The_first_node_that_answers_is_used()
    {
        await using var server = CqlTestServer.Start();
        using var output = new CassandraOutput(new() { Hosts = ["127.0.0.1:1", $"127.0.0.1:{server.Port}"], Keyspace = "intelmq" }, ProgramContext.Default);

        var results = await WriteAsync(output, Events(2));

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
    }

    [Fact]
    public async Task No_node_answering_is_transient_and_fails_the_health_check()
    {
        using var output = new CassandraOutput(new() { Hosts = ["127.0.0.1:1"], Keyspace = "intelmq", TimeoutSec = 2 }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<TransientException>(async () => await WriteAsync(output, Events(1)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await output.CheckAsync(Cancel));

        Assert.Contains("127.0.0.1:1", error.Message);
    }

    [Fact]
    public async Task The_health_check_asks_the_node_for_its_options()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server);

        await output.CheckAsync(Cancel);

        Assert.Equal(1, server.Connections);
        Assert.Empty(server.Statements);
    }

    [Fact]
    public async Task The_ttl_and_consistency_are_sent_as_configured()
    {
        await using var server = CqlTestServer.Start();
        using var output = Output(server, new() { Ttl = 3600, Consistency = "one" });

        await WriteAsync(output, Events(2));

        Assert.EndsWith(" USING TTL 3600", server.Statements.Last());
        Assert.Equal((ushort)0x0001, Assert.Single(server.Writes).Consistency);
    }

    [Theory]
    [InlineData("hosts", "cassandra.example.org:99999")]
    [InlineData("hosts", "cassandra.example.org:")]
    [InlineData("keyspace", "")]
    [InlineData("keyspace", "intel-mq")]
    [InlineData("consistency", "SERIAL")]
    [InlineData("columns", "no.such.field")]
    [InlineData("columns", "bad column")]
    [InlineData("json_column", "id")]
    public void A_configuration_cassandra_cannot_use_is_refused_at_start(string option, string value)
    {
        var options = new CassandraOutputOptions { Keyspace = "intelmq" };
        options = option switch
        {
            "hosts" => options with { Hosts = [value] },
            "keyspace" => options with { Keyspace = value },
            "consistency" => options with { Consistency = value },
            "columns" when value.Contains('.') => options with { Columns = new Dictionary<string, string> { [value] = "c" } },
            "columns" => options with { Columns = new Dictionary<string, string> { ["source.ip"] = value } },
            _ => options with { JsonColumn = value },
        };

        var error = Assert.Throws<ConfigurationException>(() => new CassandraOutput(options, ProgramContext.Default));

        Assert.Contains($"'{option}'", error.Message);
    }

    [Fact]
    public void The_created_table_has_the_event_id_as_primary_key_and_types_from_the_field_catalogue()
    {
        using var output = new CassandraOutput(new()
        {
            Keyspace = "intelmq", Table = "scans",
            Columns = new Dictionary<string, string> { ["time.source"] = "seen", ["source.ip"] = "ip", ["source.port"] = "port", ["extra.tag"] = "tag" },
        }, ProgramContext.Default);

        Assert.Equal("""CREATE TABLE IF NOT EXISTS "intelmq"."scans" ("id" uuid PRIMARY KEY, "seen" timestamp, "ip" inet, "port" int, "tag" text, "event" text)""",
            output.CreateStatement());
    }

    /// <summary>Against a real Cassandra when INTELMQ_TEST_CASSANDRA gives one (host:port).</summary>
    [Fact]
    public async Task A_real_node_stores_a_batch_and_splits_one_it_refuses_as_too_large()
    {
        var address = Environment.GetEnvironmentVariable("INTELMQ_TEST_CASSANDRA");
        Assert.SkipWhen(string.IsNullOrEmpty(address), "INTELMQ_TEST_CASSANDRA is not set (e.g. 127.0.0.1:9042): no Cassandra can be installed here; the client is tested against the stand-in CqlTestServer.");
        var keyspace = "intelmq_test_" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = CqlEndpoint.Parse("test", address);
        using var admin = await CqlConnection.OpenAsync(endpoint, null, null, TimeSpan.FromSeconds(30), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, Cancel);
        await admin.QueryAsync($"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}", 0x0001, Cancel);
        try
        {
            var options = new CassandraOutputOptions { Hosts = [address!], Keyspace = keyspace, Consistency = "ONE" };
            using var output = new CassandraOutput(options, ProgramContext.Default);
            var events = Events(20);

            var results = await WriteAsync(output, events);
            var again = await WriteAsync(output, events);
            await output.CheckAsync(Cancel);
            // 250 events in one batch of up to 1 MiB: above Cassandra's batch_size_fail_threshold (50 KiB), refused as Invalid and written one by one.
            using var big = new CassandraOutput(options with { MaxBatchKb = 1024 }, ProgramContext.Default);
            var many = await WriteAsync(big, Events(250));

            Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
            Assert.All(again, r => Assert.Equal(WriteResult.Written, r));
            Assert.All(many, r => Assert.Equal(WriteResult.Written, r));
        }
        finally
        {
            await admin.QueryAsync($"DROP KEYSPACE {keyspace}", 0x0001, Cancel);
        }
    }
}
