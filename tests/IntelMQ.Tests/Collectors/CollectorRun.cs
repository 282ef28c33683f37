using System.Text;
using System.Text.Json;
using IntelMQ.Cli;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>Runs a collector once through the collector host, as a one-shot `intelmq run` does, into a JSON-lines file, with its state in a scratch directory.</summary>
public sealed class CollectorRun : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-collector-").FullName;

    public StringWriter Log { get; } = new();

    public string Output => Path.Combine(_dir, "reports.jsonl");

    public string StatePath => Path.Combine(_dir, "state", "feed.json");

    public async Task<RunSummary> CollectAsync(string program, object options, CancellationToken cancellationToken)
    {
        var host = Host(program, options, null);
        await using (host) return await host.RunAsync(cancellationToken, cancellationToken);
    }

    /// <summary>Runs the collector as a daemon (a run at start, the next an hour later; a transient failure retried with backoff) until <paramref name="done"/> holds.</summary>
    public async Task<RunSummary> DaemonAsync(string program, object options, Func<bool> done, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var host = Host(program, options, CollectorSchedule.Every(TimeSpan.FromHours(1)));
        await using (host)
        {
            var running = host.RunAsync(stop.Token, cancellationToken);
            await Eventually.WaitForAsync("the daemon's reports", done, cancellationToken);
            await stop.CancelAsync();
            return await running;
        }
    }

    CollectorHost Host(string program, object options, CollectorSchedule? schedule) => new(new CollectorHostOptions
    {
        Program = Programs.Catalog.Resolve(program),
        Options = options,
        Context = new ProgramContext { Id = "feed" },
        Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
        DumpPath = Path.Combine(_dir, "dump.jsonl"),
        StatePath = StatePath,
        Feed = new Dictionary<string, string> { ["feed.name"] = "Test Feed" },
        Schedule = schedule,
        Backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)),
    }, ChannelCatalog.WithBuiltIns(), new ChannelContext("feed", 0, Log));

    public List<Event> Reports() =>
        File.Exists(Output) ? File.ReadAllLines(Output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).ToList() : [];

    /// <summary>A key of the stored state, as the next run reads it.</summary>
    public string? State(string key) =>
        File.Exists(StatePath) && JsonDocument.Parse(File.ReadAllText(StatePath)).RootElement.TryGetProperty(key, out var v) ? v.GetString() : null;

    public void Dispose()
    {
        Log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
