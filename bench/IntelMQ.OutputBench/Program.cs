// Events per second of the outputs that write databases and files: sql-output (engine=postgresql) into IntelMQ's
// eventdb table and a server-side COPY of the same rows from a file, eventdb-output into the normalised eventdb,
// sql-output with engine=sqlite, csv-output, and mail-output's batcher into an SMTP sink the bench starts.
// Usage: dotnet run -c Release --project bench/IntelMQ.OutputBench -- --port 5432 --events 200000 --batch 1000 [--targets sql,single,copy,eventdb,sqlite,csv,mail]
// (single: sql-output one event per transaction, IntelMQ's pattern, on --single-events 20000)
// bench/run-postgres-bench.sh starts a private server (fsync off) and runs it. mail needs no server:
// --targets mail [--recipients 1000] [--window EVENTS] mails the events in windows of --window (default all of them,
// as one cron run over a queue takes them) to --recipients addresses, each mail with a CSV attachment.
using System.Diagnostics;
using IntelMQ.Core;
using IntelMQ.Outputs;
using IntelMQ.Outputs.Csv;
using IntelMQ.Outputs.EventDb;
using IntelMQ.Outputs.Mail;
using Microsoft.Data.Sqlite;
using Npgsql;

var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "true");
string Arg(string name, string fallback) => options.GetValueOrDefault(name, fallback);
var port = int.Parse(Arg("port", "5432"));
var count = int.Parse(Arg("events", "200000"));
var batch = int.Parse(Arg("batch", "1000"));
var targets = Arg("targets", "sql,single,copy,eventdb,sqlite,csv").Split(',');
var schema = File.ReadAllText(Arg("schema", "../shared/data/intelmq/eventdb-events.sql"));
var file = Arg("file", Path.Combine(Path.GetTempPath(), $"eventdb-bench-{Environment.ProcessId}.copy"));
var scratch = Directory.CreateTempSubdirectory("output-bench-").FullName;

await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=intelmq;Database=intelmq;Pooling=false");
if (targets.Any(t => t is "sql" or "single" or "copy" or "eventdb")) await connection.OpenAsync();
async Task Execute(string sql)
{
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
    await command.ExecuteNonQueryAsync();
}

// Events shaped like a Shadowserver scan report's, 16 fields, extra and raw included, over two months.
var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
var events = new List<Event>(count);
var random = new Random(1);
for (var i = 0; i < count; i++)
{
    var ev = Event.Create();
    void Add(string intelmqName, object value) => ev.Add(DhoMapping.ToIdf(intelmqName) ?? intelmqName, value);
    Add("feed.name", "Shadowserver Scan SMB");
    Add("feed.accuracy", 100.0);
    Add("feed.code", "shadowserver-scan-smb");
    Add("time.source", $"2024-{4 + i % 2:00}-01T{i / 3600 % 24:00}:{i / 60 % 60:00}:{i % 60:00}+00:00");
    Add("time.observation", "2024-05-02T00:00:00+00:00");
    Add("source.ip", $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}");
    Add("source.port", 445L);
    Add("source.asn", (long)random.Next(1, 400000));
    Add("source.geolocation.cc", "AT");
    Add("source.geolocation.city", "Wien");
    Add("source.reverse_dns", $"host{i}.example.net");
    Add("classification.taxonomy", "vulnerable");
    Add("classification.type", "vulnerable-system");
    Add("classification.identifier", "smb");
    Add("protocol.transport", "tcp");
    Add("custom.tag", "smb");
    Add("custom.naics", 517311L);
    ev.AddOriginal($"\"2024-05-01 00:00:00\",\"{ev[DhoMapping.ToIdf("source.ip")!]}\",\"tcp\",445,\"host{i}.example.net\",\"smb\",\"AT\",\"Wien\",{ev[DhoMapping.ToIdf("source.asn")!]},517311", "");
    ev.AssignStableId();
    events.Add(ev);
}

var eventBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;

async Task<double> Measure(IOutput output, int batch, int count)
{
    var clock = Stopwatch.StartNew();
    var results = new WriteResult[batch];
    for (var start = 0; start < count; start += batch)
    {
        var part = events.GetRange(start, Math.Min(batch, count - start));
        if (results.Length != part.Count) results = new WriteResult[part.Count];
        Array.Fill(results, WriteResult.Written);
        await output.WriteAsync(part, results, CancellationToken.None);
        if (Array.Find(results, r => r.Status != WriteStatus.Written) is { Status: not WriteStatus.Written } refused)
            throw new InvalidOperationException($"an event was refused: {refused.Reason}");
    }
    return clock.Elapsed.TotalSeconds;
}

void Report(string what, double seconds, int? events = null) =>
    Console.WriteLine($"{what,-36} {events ?? count,10:N0} events in {seconds,7:F2} s, {(events ?? count) / seconds,10:N0} events/s");

if (targets.Contains("sql") || targets.Contains("copy") || targets.Contains("single"))
{
    await Execute("DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS events_copy");
    await Execute(schema);
    await Execute(schema.Replace("events", "events_copy", StringComparison.Ordinal));
    using var sql = new SqlOutput(new SqlOutputOptions
    {
        Engine = SqlEngine.Postgresql, Host = "127.0.0.1", Port = port, Database = "intelmq", User = "intelmq", Sslmode = "disable", Table = "events",
    }, ProgramContext.Default);
    var outputSeconds = await Measure(sql, batch, count);
    Report($"sql-output (postgresql), batch {batch}", outputSeconds);

    if (targets.Contains("copy"))
    {
        // The same rows, from a file the server reads itself: the fastest way in that PostgreSQL offers.
        const string columns = "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 1 AND NOT attisdropped";
        await using var query = new NpgsqlCommand(columns, connection);
        var list = (string)(await query.ExecuteScalarAsync())!;
        await Execute($"COPY events ({list}) TO '{file}'");
        var clock = Stopwatch.StartNew();
        await Execute($"COPY events_copy ({list}) FROM '{file}'");
        var copySeconds = clock.Elapsed.TotalSeconds;
        File.Delete(file);
        Report("COPY FROM file", copySeconds);
        Console.WriteLine($"sql-output / COPY: {outputSeconds / copySeconds:F2}");
    }

    if (targets.Contains("single"))
    {
        // IntelMQ's pattern, a transaction per event, on the first events (its round trips make it slow); after
        // the COPY above, which exports the table this empties.
        var single = Math.Min(count, int.Parse(Arg("single-events", "20000")));
        await Execute("TRUNCATE events");
        var singleSeconds = await Measure(sql, 1, single);
        Report("sql-output, batch 1 (IntelMQ's way)", singleSeconds, single);
        Console.WriteLine($"batch {batch} / batch 1: {count / outputSeconds / (single / singleSeconds):F1} times the events/s");
    }
}

if (targets.Contains("eventdb"))
{
    await Execute("DROP SCHEMA IF EXISTS eventdb CASCADE");
    using var eventdb = new EventDbOutput(new EventDbOutputOptions
    {
        Host = "127.0.0.1", Port = port, Database = "intelmq", User = "intelmq", Sslmode = "disable",
    }, ProgramContext.Default);
    Report($"eventdb-output, batch {batch}", await Measure(eventdb, batch, count));
}

if (targets.Contains("sqlite"))
{
    var database = Path.Combine(scratch, "events.sqlite");
    await using (var sqlite = new SqliteConnection($"Data Source={database};Pooling=false"))
    {
        sqlite.Open();
        await using var create = sqlite.CreateCommand();
        create.CommandText = schema.Replace(" USING btree", "", StringComparison.Ordinal);
        await create.ExecuteNonQueryAsync();
    }
    using var output = new SqlOutput(new SqlOutputOptions { Engine = SqlEngine.Sqlite, Database = database }, ProgramContext.Default);
    Report($"sql-output (sqlite), batch {batch}", await Measure(output, batch, count));
}

if (targets.Contains("csv"))
{
    using var csv = new CsvOutput(new CsvOutputOptions { Path = Path.Combine(scratch, "events.csv") }, ProgramContext.Default);
    Report($"csv-output, batch {batch}", await Measure(csv, batch, count));
}
if (targets.Contains("mail"))
{
    var recipients = int.Parse(Arg("recipients", "1000"));
    var window = int.Parse(Arg("window", count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    var contact = DhoMapping.ToIdf("source.abuse_contact")!;
    for (var i = 0; i < count; i++) events[i].Add(contact, $"abuse@as{i % recipients}.example.net");
    await using var sink = SmtpSink.Start();
    using var mail = new MailOutput(new MailOutputOptions { SmtpHost = "127.0.0.1", SmtpPort = sink.Port, MailFrom = "cert@example.org", Starttls = false }, ProgramContext.Default);
    var seconds = await Measure(mail, window, count);
    Report($"mail-output, window {window}", seconds);
    Console.WriteLine($"{"",-36} {sink.Mails,10:N0} mails  in {seconds,7:F2} s, {sink.Mails / seconds,10:N0} mails/s, {sink.Bytes / sink.Mails / 1024.0:F1} KiB per mail");
    Console.WriteLine($"{"",-36} events in memory {eventBytes / count:N0} bytes each; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20):N0} MiB");
}
Directory.Delete(scratch, recursive: true);
