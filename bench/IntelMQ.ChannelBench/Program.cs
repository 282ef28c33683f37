// Throughput and end-to-end latency of a taxonomy-expert daemon between two channels of the same kind.
// Usage: dotnet run -c Release --project bench/IntelMQ.ChannelBench -- --kind redis --redis 127.0.0.1:6379 --events 100000 --batch 500
// bench/run-channel-bench.sh starts private servers and runs every kind with batch sizes 1 and 500.
using System.Diagnostics;
using System.Text;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "true");
string Arg(string name, string fallback) => options.GetValueOrDefault(name, fallback);
var kind = Arg("kind", "memory");
var events = int.Parse(Arg("events", "100000"));
var batch = int.Parse(Arg("batch", "500"));
var run = Guid.NewGuid().ToString("N")[..8];
string Address(string queue) => kind switch
{
    "memory" => $"memory:{queue}-{run}",
    "sqlite" => $"sqlite:{Path.Combine(Path.GetTempPath(), $"bench-{run}.db")}?queue={queue}",
    "redis" => $"redis://{Arg("redis", "127.0.0.1:6379")}/0?queue={queue}-{run}",
    "redis-stream" => $"redis-stream://{Arg("redis", "127.0.0.1:6379")}/0?stream={queue}-{run}&group=bench",
    "amqp" => $"{Arg("amqp", "amqp://guest:guest@127.0.0.1:5672/")}?queue={queue}-{run}",
    _ => throw new ArgumentException($"unknown kind {kind}"),
};

var catalog = IntelMQ.Cli.Channels.Catalog;
var context = new ChannelContext("bench", 0, Console.Error);
var input = Address("in");
var output = Address("out");
var host = new ProgramHost(new HostOptions
{
    Program = IntelMQ.Cli.Programs.Catalog.Resolve("taxonomy-expert"),
    ProgramId = "bench-expert",
    Input = input,
    Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [output] },
    DumpPath = Path.Combine(Path.GetTempPath(), $"bench-{run}-dump.jsonl"),
    Daemon = true,
    BatchSize = batch,
    Context = new ProgramContext { Id = "bench-expert", Producer = "bench" },
}, catalog, context with { ProgramId = "bench-expert" });
using var stop = new CancellationTokenSource();
var daemon = Task.Run(() => host.RunAsync(stop.Token, CancellationToken.None));

await using var reader = catalog.OpenInput(output, context with { ProgramId = "bench-reader" });
var latencies = new List<double>(events);
var received = 0;
var clock = Stopwatch.StartNew();
var producer = Task.Run(async () =>
{
    await using var writer = catalog.OpenOutput(input, context with { ProgramId = "bench-writer" });
    for (var i = 0; i < events; i += batch)
    {
        var messages = new List<ReadOnlyMemory<byte>>(batch);
        for (var j = i; j < Math.Min(events, i + batch); j++)
            messages.Add(Encoding.UTF8.GetBytes($$"""{"__type":"Event","classification.type":"infected-system","source.ip":"192.0.2.{{j % 250 + 1}}","source.port":{{j % 65535}},"extra.sent":{{Stopwatch.GetTimestamp()}}}"""));
        await writer.SendAsync(messages, CancellationToken.None);
    }
});
while (received < events && clock.Elapsed < TimeSpan.FromMinutes(10))
{
    var got = await reader.ReceiveAsync(500, TimeSpan.FromSeconds(1), CancellationToken.None);
    if (got is null || got.Count == 0) continue;
    var now = Stopwatch.GetTimestamp();
    foreach (var message in got)
        foreach (var ev in EventJson.Read(message.Body.Span))
        {
            latencies.Add(Stopwatch.GetElapsedTime((long)ev["custom.sent"]!, now).TotalMilliseconds);
            received++;
        }
    await reader.AckAsync(got, CancellationToken.None);
}
var seconds = clock.Elapsed.TotalSeconds;
await producer;
stop.Cancel();
await daemon;
await host.DisposeAsync();
latencies.Sort();
double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, p * latencies.Count)];
Console.WriteLine($"| {kind} | {batch} | {received} | {received / seconds:N0} | {Percentile(0.5):N1} | {Percentile(0.99):N1} |");
return received == events ? 0 : 1;
