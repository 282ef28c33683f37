// Events per second of sql-output (engine=postgresql) into IntelMQ's eventdb table, and of a server-side COPY of
// the same rows from a file, on one PostgreSQL.
// Usage: dotnet run -c Release --project bench/IntelMQ.OutputBench -- --port 5432 --events 200000 --batch 1000
// bench/run-postgres-bench.sh starts a private server (fsync off) and runs it.
using System.Diagnostics;
using IntelMQ.Core;
using IntelMQ.Outputs;
using Npgsql;

var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "true");
string Arg(string name, string fallback) => options.GetValueOrDefault(name, fallback);
var port = int.Parse(Arg("port", "5432"));
var count = int.Parse(Arg("events", "200000"));
var batch = int.Parse(Arg("batch", "1000"));
var schema = File.ReadAllText(Arg("schema", "../shared/data/intelmq/eventdb-events.sql"));
var file = Arg("file", Path.Combine(Path.GetTempPath(), $"eventdb-bench-{Environment.ProcessId}.copy"));

await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=intelmq;Database=intelmq;Pooling=false");
await connection.OpenAsync();
async Task Execute(string sql)
{
    await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
    await command.ExecuteNonQueryAsync();
}
await Execute("DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS events_copy");
await Execute(schema);
await Execute(schema.Replace("events", "events_copy", StringComparison.Ordinal));

// Events shaped like a Shadowserver scan report's, 16 fields, extra and raw included.
var events = new List<Event>(count);
var random = new Random(1);
for (var i = 0; i < count; i++)
{
    var ev = Event.Create();
    void Add(string intelmqName, object value) => ev.Add(DhoMapping.ToIdf(intelmqName) ?? intelmqName, value);
    Add("feed.name", "Shadowserver Scan SMB");
    Add("feed.accuracy", 100.0);
    Add("feed.code", "shadowserver-scan-smb");
    Add("time.source", $"2024-05-01T{i / 3600 % 24:00}:{i / 60 % 60:00}:{i % 60:00}+00:00");
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
    events.Add(ev);
}

using var output = new SqlOutput(new SqlOutputOptions
{
    Engine = SqlEngine.Postgresql, Host = "127.0.0.1", Port = port, Database = "intelmq", User = "intelmq", Sslmode = "disable", Table = "events",
}, ProgramContext.Default);
var clock = Stopwatch.StartNew();
var results = new WriteResult[batch];
for (var start = 0; start < count; start += batch)
{
    var part = events.GetRange(start, Math.Min(batch, count - start));
    if (results.Length != part.Count) results = new WriteResult[part.Count];
    Array.Fill(results, WriteResult.Written);
    await output.WriteAsync(part, results, CancellationToken.None);
    if (Array.Exists(results, r => r.Status != WriteStatus.Written)) throw new InvalidOperationException("an event was refused");
}
var outputSeconds = clock.Elapsed.TotalSeconds;

// The same rows, from a file the server reads itself: the fastest way in that PostgreSQL offers.
const string columns = "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 1 AND NOT attisdropped";
await using (var query = new NpgsqlCommand(columns, connection))
{
    var list = (string)(await query.ExecuteScalarAsync())!;
    await Execute($"COPY events ({list}) TO '{file}'");
    clock.Restart();
    await Execute($"COPY events_copy ({list}) FROM '{file}'");
}
var copySeconds = clock.Elapsed.TotalSeconds;
File.Delete(file);

Console.WriteLine($"sql-output, batches of {batch}: {count:N0} events in {outputSeconds:F2} s, {count / outputSeconds:N0} events/s");
Console.WriteLine($"COPY FROM file:            {count:N0} rows in {copySeconds:F2} s, {count / copySeconds:N0} rows/s");
Console.WriteLine($"ratio: {outputSeconds / copySeconds:F2}");
