using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs;
using IntelMQ.Outputs.EventDb;
using Npgsql;

namespace IntelMQ.Tests.Outputs.EventDb;

/// <summary>The eventdb against a private PostgreSQL; every test has a database of its own (the schema's name is fixed).</summary>
public sealed class EventDbTests : IClassFixture<PostgresServer>
{
    readonly PostgresServer _server;
    readonly string _database = "eventdb_" + Guid.NewGuid().ToString("N")[..12];

    public EventDbTests(PostgresServer server)
    {
        _server = server.Required();
        using var connection = server.Connect("postgres");
        using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
        create.ExecuteNonQuery();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    EventDbOutputOptions Options => new()
    {
        Host = "127.0.0.1", Port = _server.Port, Database = _database, User = "intelmq", Sslmode = "disable", ConnectTimeout = 2,
    };

    EventDatabase Database() => new(Options);

    EventDbOutput Output(DateTimeOffset? now = null) => new(Options, ProgramContext.Default with { Clock = new FixedClock(now ?? new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero)) });

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    NpgsqlConnection Connect() => _server.Connect(_database);

    long Scalar(string sql)
    {
        using var connection = Connect();
        using var query = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    List<string> Strings(string sql)
    {
        using var connection = Connect();
        using var query = new NpgsqlCommand(sql, connection);
        using var reader = query.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }

    void Execute(string sql)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    static Event NewEvent(int i, string time = "2025-03-01T12:00:00+00:00")
    {
        var ev = Event.Create();
        void Add(string intelmqName, object value) => ev.Add(DhoMapping.ToIdf(intelmqName) ?? intelmqName, value);
        Add("feed.name", i % 2 == 0 ? "Feed A" : "Feed B");
        Add("feed.provider", "Provider");
        Add("feed.accuracy", 100.0);
        Add("time.source", time);
        Add("time.observation", "2025-03-02T00:00:00+00:00");
        Add("classification.taxonomy", "vulnerable");
        Add("classification.type", "vulnerable-system");
        Add("source.ip", $"192.0.2.{i % 250 + 1}");
        Add("source.port", (long)(1000 + i));
        Add("source.asn", 64496L + i % 3);
        Add("source.network", "192.0.2.0/24");
        Add("source.geolocation.cc", "AT");
        Add("source.abuse_contact", "abuse@example.net");
        Add("comment", $"event {i}");
        ev.Add("custom.naics", 517311L);
        ev.AddOriginal($"row {i} {time}", "");
        ev.AssignStableId();
        return ev;
    }

    static async Task<WriteResult[]> Write(IOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Token);
        return results;
    }

    [Fact]
    public async Task Init_creates_the_schema_at_the_current_version_and_a_second_init_changes_nothing()
    {
        var database = Database();

        Assert.Equal(Enumerable.Range(1, EventDatabase.CurrentVersion), await database.InitAsync(Token));
        Assert.Empty(await database.InitAsync(Token));

        Assert.Equal(EventDatabase.CurrentVersion, await database.VersionAsync(Token));
        Assert.Equal(["feed", "classification", "network", "contact"], Strings(
            "SELECT relname::text FROM pg_class WHERE relname IN ('feed', 'classification', 'network', 'contact') AND relnamespace = 'eventdb'::regnamespace ORDER BY oid"));
        Assert.Equal("p", Strings("SELECT relkind::text FROM pg_class WHERE oid = 'eventdb.event'::regclass")[0]);
        Assert.Equal("month", Strings("SELECT value FROM eventdb.setting WHERE name = 'partition_interval'")[0]);
    }

    [Fact]
    public async Task Migrate_applies_each_pending_step_once()
    {
        var database = Database();
        await Assert.ThrowsAsync<ConfigurationException>(() => database.MigrateAsync(null, Token));

        Assert.Equal([1], await database.MigrateAsync(1, Token));
        Assert.Equal(1, await database.VersionAsync(Token));
        Assert.Equal(Enumerable.Range(2, EventDatabase.CurrentVersion - 1), await database.MigrateAsync(null, Token));
        Assert.Empty(await database.MigrateAsync(null, Token));

        Assert.Equal(EventDatabase.CurrentVersion, Scalar("SELECT count(*) FROM eventdb.schema_version"));
    }

    [Fact]
    public async Task An_old_schema_is_a_transient_failure_that_names_migrate_and_the_health_check_says_so()
    {
        await Database().MigrateAsync(1, Token);
        using var output = Output();

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
        Assert.Contains("intelmq db migrate", error.Message);
        var check = await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Token).AsTask());
        Assert.Contains("intelmq db migrate", check.Message);

        await Database().MigrateAsync(null, Token);
        await output.CheckAsync(Token);
        Assert.All(await Write(output, [NewEvent(0)]), r => Assert.Equal(WriteResult.Written, r));
    }

    [Fact]
    public async Task A_batch_stores_each_reference_row_once_and_a_replay_writes_nothing_twice()
    {
        using var output = Output();
        var events = Enumerable.Range(0, 2000).Select(i => NewEvent(i)).ToList();

        Assert.All(await Write(output, events), r => Assert.Equal(WriteResult.Written, r));
        Assert.All(await Write(output, events), r => Assert.Equal(WriteResult.Written, r));
        using (var again = Output())
            Assert.All(await Write(again, events[..500]), r => Assert.Equal(WriteResult.Written, r));

        Assert.Equal(2000, Scalar("SELECT count(*) FROM eventdb.event"));
        Assert.Equal(2, Scalar("SELECT count(*) FROM eventdb.feed"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.classification"));
        Assert.Equal(3, Scalar("SELECT count(*) FROM eventdb.network"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.contact"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.events WHERE comment = 'event 7' AND \"source.asn\" = 64497 AND \"feed.name\" = 'Feed B' AND \"source.port\" = 1007 AND extra::jsonb = '{\"naics\": 517311}'"));
    }

    [Fact]
    public async Task A_lost_connection_is_a_transient_failure_and_the_batch_goes_in_once_the_server_is_back()
    {
        using var output = Output();
        Assert.All(await Write(output, [NewEvent(0)]), r => Assert.Equal(WriteResult.Written, r));

        _server.Stop();
        try
        {
            await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(1), NewEvent(2)]));
            await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(1), NewEvent(2)]));
        }
        finally
        {
            _server.Start();
        }

        Assert.All(await Write(output, [NewEvent(1), NewEvent(2)]), r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(3, Scalar("SELECT count(*) FROM eventdb.event"));
    }

    [Fact]
    public async Task The_output_creates_this_months_and_the_next_months_partition_and_one_for_each_month_a_batch_spans()
    {
        using var output = Output(new DateTimeOffset(2025, 3, 10, 0, 0, 0, TimeSpan.Zero));

        var results = await Write(output, [NewEvent(0, "2024-12-31T23:59:59+00:00"), NewEvent(1, "2025-01-01T00:00:00+00:00"), NewEvent(2, "2025-06-15T08:00:00-02:00")]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(["event_2024_12", "event_2025_01", "event_2025_03", "event_2025_04", "event_2025_06"],
            Strings("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'eventdb.event'::regclass ORDER BY 1"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.event_2025_01"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.event_2024_12"));
    }

    [Fact]
    public async Task Two_writers_creating_the_same_new_months_at_once_both_write_everything_once()
    {
        await Database().InitAsync(Token);
        var months = Enumerable.Range(1, 12).Select(m => $"2023-{m:00}-15T00:00:00+00:00").ToArray();
        var events = Enumerable.Range(0, 1200).Select(i => NewEvent(i, months[i % 12])).ToList();
        using var first = Output();
        using var second = Output();

        // Overlapping halves: both create the same twelve months, and both insert events 400 to 799.
        var results = await Task.WhenAll(Task.Run(() => Write(first, events[..800]), Token), Task.Run(() => Write(second, events[400..]), Token));

        Assert.All(results.SelectMany(r => r), r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(1200, Scalar("SELECT count(*) FROM eventdb.event"));
        Assert.Equal(12, Scalar("SELECT count(*) FROM eventdb.partition WHERE starts < '2024-01-01'"));
    }

    [Fact]
    public async Task An_event_postgresql_refuses_is_refused_alone_with_its_message()
    {
        using var output = Output();
        var events = Enumerable.Range(0, 100).Select(i => NewEvent(i)).ToList();
        events[41].Add("custom.bad", "nul \u0000 inside");
        var untimed = Event.Create();
        untimed.Add("source.ip", "192.0.2.9");

        var results = await Write(output, [.. events, untimed]);

        Assert.Equal([41, 100], Enumerable.Range(0, results.Length).Where(i => results[i].Status == WriteStatus.Refused));
        Assert.StartsWith("eventdb-output: unsupported Unicode escape sequence", results[41].Reason);
        Assert.Contains("neither time.source", results[100].Reason);
        Assert.Equal(99, Scalar("SELECT count(*) FROM eventdb.event"));
    }

    [Fact]
    public async Task Detach_removes_old_partitions_from_the_view_and_later_events_for_them_are_refused()
    {
        using var output = Output();
        await Write(output, [NewEvent(0, "2025-01-10T00:00:00+00:00"), NewEvent(1, "2025-02-10T00:00:00+00:00"), NewEvent(2, "2025-03-10T00:00:00+00:00")]);

        var detached = await Database().DetachAsync(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), drop: false, Token);

        Assert.Equal(["event_2025_01", "event_2025_02"], detached);
        Assert.Equal(["event 2"], Strings("SELECT comment FROM eventdb.events"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM eventdb.event_2025_01")); // detached, not dropped
        var results = await Write(output, [NewEvent(3, "2025-02-20T00:00:00+00:00"), NewEvent(4, "2025-03-20T00:00:00+00:00")]);
        Assert.Equal(WriteStatus.Refused, results[0].Status);
        Assert.Contains("detached", results[0].Reason);
        Assert.Equal(WriteResult.Written, results[1]);
        using var late = Output();
        Assert.Equal(WriteStatus.Refused, (await Write(late, [NewEvent(5, "2024-07-01T00:00:00+00:00")]))[0].Status);
        Assert.Empty(await Database().DetachAsync(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), drop: true, Token));
    }

    /// <summary>Every row of a table or view as jsonb text, without its id, sorted.</summary>
    List<string> FlatRows(string relation) => [.. Strings($"SELECT (to_jsonb(e) - 'id')::text FROM {relation} e").Order(StringComparer.Ordinal)];

    SqlOutput FlatOutput(string table) => new(new SqlOutputOptions
    {
        Engine = SqlEngine.Postgresql, Host = "127.0.0.1", Port = _server.Port, Database = _database, User = "intelmq", Sslmode = "disable", Table = table,
    }, ProgramContext.Default);

    void CreateFlatTable(string table) =>
        Execute(File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "eventdb-events.sql")).Replace("events", table, StringComparison.Ordinal));

    /// <summary>The events IntelMQ's parsers emitted in its own tests, read as IDF events, one per id.</summary>
    static List<Event> CorpusEvents()
    {
        var events = new Dictionary<string, Event>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.Corpus, "intelmq-tests", "parsers"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (JsonNode.Parse(File.ReadAllText(file))?["actual_output"]?["_default"] is not JsonArray messages) continue;
            foreach (var message in messages)
            {
                if (message is not JsonObject dho || (string?)dho["__type"] != "Event") continue;
                dho.Remove("raw_text");
                var ev = Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(dho.ToJsonString()), MessageFormat.Dho));
                events.TryAdd(ev.Id!, ev);
            }
        }
        return [.. events.Values];
    }

    [Fact]
    public async Task The_flat_view_shows_corpus_events_as_the_rows_sql_output_writes_for_them()
    {
        CreateFlatTable("scratch");
        var corpus = CorpusEvents();
        Assert.True(corpus.Count > 300, $"only {corpus.Count} corpus events");
        using (var scratch = FlatOutput("scratch"))
        {
            var flatResults = await Write(scratch, corpus);
            corpus = [.. corpus.Where((_, i) => flatResults[i].Status == WriteStatus.Written)];
        }
        using var output = Output();
        var results = await Write(output, corpus);
        // Only events without a time to file them under (IntelMQ's test fixtures leave time.observation out) are refused.
        var untimed = Enumerable.Range(0, corpus.Count).Where(i => !corpus[i].Contains("@timestamp") && !corpus[i].Contains("event.created"));
        Assert.Equal(untimed, Enumerable.Range(0, corpus.Count).Where(i => results[i].Status != WriteStatus.Written));
        var stored = corpus.Where((_, i) => results[i].Status == WriteStatus.Written).ToList();
        Assert.True(stored.Count > 700, $"only {stored.Count} events stored");
        CreateFlatTable("flat");
        using (var flat = FlatOutput("flat"))
            Assert.All(await Write(flat, stored), r => Assert.Equal(WriteResult.Written, r));

        Assert.Equal(FlatRows("flat"), FlatRows("eventdb.events"));
    }

    [Fact]
    public async Task Import_stopped_after_some_batches_and_run_again_stores_every_row_exactly_once()
    {
        CreateFlatTable("events");
        using (var flat = FlatOutput("events"))
            await Write(flat, [.. Enumerable.Range(0, 500).Select(i => NewEvent(i, $"2024-{i % 12 + 1:00}-03T04:05:06+00:00"))]);
        await Database().InitAsync(Token);
        using var stop = new CancellationTokenSource();
        var batches = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Database().ImportIntelMQAsync("events", 37, _ =>
        {
            if (++batches == 3) stop.Cancel();
        }, (id, reason) => Assert.Fail($"row {id}: {reason}"), TimeProvider.System, stop.Token));
        Assert.Equal(3 * 37, Scalar("SELECT count(*) FROM eventdb.event"));

        var done = await Database().ImportIntelMQAsync("public.events", 37, _ => { }, (id, reason) => Assert.Fail($"row {id}: {reason}"), TimeProvider.System, Token);

        Assert.Equal(new ImportProgress(500, 500, 500, 0), done);
        Assert.Equal(500, Scalar("SELECT count(*) FROM eventdb.event"));
        Assert.Equal(FlatRows("public.events"), FlatRows("eventdb.events"));
        Assert.Equal(500, (await Database().ImportIntelMQAsync("events", 37, _ => Assert.Fail("nothing is left to import"), (_, _) => { }, TimeProvider.System, Token)).Imported);
    }

    [Fact]
    public async Task The_db_command_initialises_imports_and_detaches_and_exits_2_naming_the_options_when_it_cannot_connect()
    {
        using var intelmq = new IntelMQCommand();
        CreateFlatTable("events");
        using (var flat = FlatOutput("events"))
            await Write(flat, [.. Enumerable.Range(0, 30).Select(i => NewEvent(i, $"2024-{i % 3 + 1:00}-03T04:05:06+00:00"))]);
        string[] connection = ["--host", "127.0.0.1", "--port", _server.Port.ToString(CultureInfo.InvariantCulture), "--database", _database, "--user", "intelmq", "--sslmode", "disable"];

        var init = intelmq.Run("", ["db", "init", "--partition-interval", "week", .. connection]);
        Assert.Equal(0, init.ExitCode);
        Assert.Contains($"version {EventDatabase.CurrentVersion}", init.Stderr);
        Assert.Contains("nothing to do", intelmq.Run("", ["db", "migrate", .. connection]).Stderr);
        var import = intelmq.Run("", ["db", "import-intelmq", "--batch-size", "7", .. connection]);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("import finished at id 30: 30 events, 0 rows refused", import.Stderr);
        Assert.Equal(30, Scalar("SELECT count(*) FROM eventdb.events"));
        Assert.Equal("week", Strings("SELECT value FROM eventdb.setting WHERE name = 'partition_interval'")[0]);
        File.WriteAllText(intelmq.PathOf("eventdb.yaml"), $"input: redis://localhost/2\nparameters:\n  host: 127.0.0.1\n  port: {_server.Port}\n  database: {_database}\n  sslmode: disable\n");
        var detach = intelmq.Run("", "db", "detach", "--before", "2024-02", "--drop", "--config", intelmq.PathOf("eventdb.yaml"));
        Assert.Equal(0, detach.ExitCode);
        Assert.Contains("dropped event_2024_w01", detach.Stderr);
        Assert.Equal(20, Scalar("SELECT count(*) FROM eventdb.events"));

        var unreachable = intelmq.Run("", "db", "migrate", "--host", "127.0.0.1", "--port", "1", "--sslmode", "disable");
        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("--host, --port", unreachable.Stderr);
        Assert.Equal(2, intelmq.Run("", ["db", "detach", "--before", "last year", .. connection]).ExitCode);
    }
}
