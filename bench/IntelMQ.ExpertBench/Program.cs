// Events per second of the expert chain taxonomy -> url -> domain-suffix -> asn-lookup -> maxmind-geoip -> filter ->
// deduplicator in one process through the library classes (no channels, no JSON), and of each expert alone on events
// shaped as they reach it there; with the processor time and the bytes each takes per event.
// Usage: dotnet run -c Release --project bench/IntelMQ.ExpertBench -- --events 1000000 [--chunk 10000] [--data ../shared/data]
//        [--only STAGE|chain] (one measurement, for a profiler)
using System.Diagnostics;
using IntelMQ.Core;
using IntelMQ.Experts;
using IntelMQ.Experts.AsnLookup;
using IntelMQ.Experts.Bench;
using IntelMQ.Experts.Deduplicator;
using IntelMQ.Experts.DomainSuffix;
using IntelMQ.Experts.Filter;
using IntelMQ.Experts.MaxMindGeoip;
using IntelMQ.Experts.Url;

var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "true");
string Arg(string name, string fallback) => options.GetValueOrDefault(name, fallback);
var count = int.Parse(Arg("events", "1000000"));
var chunk = int.Parse(Arg("chunk", "10000"));
var data = Path.GetFullPath(Arg("data", "../shared/data"));
var only = Arg("only", "");
var work = Directory.CreateTempSubdirectory("expert-bench-").FullName;
try
{
    var ipasn = Path.Combine(work, "ipasn.dat");
    SyntheticEvents.WriteIpasn(ipasn);
    // As in a run that connects only _default: the filter's side paths (filter_match, ...) lead nowhere.
    var context = ProgramContext.Default with { ConnectedPaths = new HashSet<string> { Paths.Default } };
    (string Name, Func<IExpert> Create)[] stages =
    [
        ("taxonomy", () => new TaxonomyExpert()),
        ("url", () => new UrlExpert(new UrlExpertOptions())),
        ("domain-suffix", () => new DomainSuffixExpert(new DomainSuffixExpertOptions { SuffixFile = Path.Combine(data, "psl", "public_suffix_list.dat") }, context)),
        ("asn-lookup", () => new AsnLookupExpert(new AsnLookupExpertOptions { Database = ipasn }, context)),
        ("maxmind-geoip", () => new MaxMindGeoipExpert(new MaxMindGeoipExpertOptions { Database = Path.Combine(data, "maxmind", "GeoIP2-City-Test.mmdb") }, context)),
        ("filter", () => new FilterExpert(new FilterExpertOptions { FilterKey = "classification.type", FilterValue = "spam", FilterAction = "drop" }, context)),
        ("deduplicator", () => new DeduplicatorExpert(new DeduplicatorExpertOptions { FilterKeys = ["raw", "time.observation"] }, context)),
    ];

    Console.WriteLine($"{count:N0} events, chunks of {chunk:N0}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    Console.WriteLine($"{"stage",-16} {"events/s",12} {"µs/event",9} {"cpu µs",9} {"B/event",9} {"passed",10} {"dropped",9}");
    for (var k = 0; k < stages.Length; k++)
    {
        if (only.Length > 0 && only != stages[k].Name) continue;
        Report(stages[k].Name, Measure([.. stages.Take(k + 1).Select(s => s.Create)], before: k, count, chunk));
    }
    if (only is "" or "chain") Report("chain", Measure([.. stages.Select(s => s.Create)], before: 0, count, chunk));
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Runs experts[before..] timed on events that went through experts[..before] untimed, after a warm-up.
static Result Measure(Func<IExpert>[] create, int before, int count, int chunk)
{
    var generator = new SyntheticEvents();
    // Warmed up for two seconds on instances of their own, then measured on fresh ones: tiered compilation (with its
    // instrumented tier) takes that long to bring every method to its final code, and the fresh instances start with
    // empty state (the deduplicator's marks) as a new program does.
    var warm = create.Select(c => c()).ToArray();
    var warming = new Chain(warm);
    for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(2);)
    {
        warming.Run(generator.Next(chunk));
        foreach (var expert in warm) (expert as IDeliveryAware)?.Delivered();
    }
    foreach (var expert in warm) (expert as IDisposable)?.Dispose();
    var experts = create.Select(c => c()).ToArray();
    var timed = new Chain(experts[before..]);
    var untimed = new Chain(experts[..before]);
    var watch = new Stopwatch();
    var process = Process.GetCurrentProcess();
    var cpu = TimeSpan.Zero;
    long allocated = 0;
    GC.Collect();
    for (var done = 0; done < count; done += chunk)
    {
        var events = untimed.Run(generator.Next(Math.Min(chunk, count - done)));
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        watch.Start();
        foreach (var ev in events) timed.Process(ev);
        // A chunk is a batch: handed on, so the deduplicator marks its keys, as the runtime has it do.
        foreach (var expert in experts) (expert as IDeliveryAware)?.Delivered();
        watch.Stop();
        process.Refresh();
        cpu += process.TotalProcessorTime - cpuBefore;
        allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
    }
    foreach (var expert in experts) (expert as IDisposable)?.Dispose();
    return new Result(count, watch.Elapsed, cpu, allocated, timed.Passed, timed.Dropped);
}

static void Report(string name, Result result) =>
    Console.WriteLine($"{name,-16} {result.Count / result.Elapsed.TotalSeconds,12:N0} {result.Elapsed.TotalMicroseconds / result.Count,9:0.00} {result.Cpu.TotalMicroseconds / result.Count,9:0.00} {(double)result.Allocated / result.Count,9:0} {result.Passed,10:N0} {result.Dropped,9:N0}");

// Cpu: the process's processor time over the timed parts (the GC's threads included), which a busy machine inflates less than Elapsed.
readonly record struct Result(int Count, TimeSpan Elapsed, TimeSpan Cpu, long Allocated, long Passed, long Dropped);
