using System.CommandLine;
using IntelMQ.Core;
using IntelMQ.Experts;
using IntelMQ.Outputs;
using IntelMQ.Parsers.Shadowserver;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq demo</c>: the sample workflow. Shadowserver reports (built in, or a folder of CSVs) go through
/// shadowserver-parser, taxonomy-expert and file-output in one process, with a summary at the end.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var samples = new Option<string?>("--samples") { Description = "A folder of Shadowserver CSV reports named as Shadowserver names them. Default: the built-in samples." };
        var output = new Option<string>("--output", "-o") { Description = "Where the events go (NDJSON).", DefaultValueFactory = _ => Path.Combine("out", "demo-events.jsonl") };
        var dump = new Option<string>("--dump") { Description = "Where failed rows go.", DefaultValueFactory = _ => Path.Combine("out", "demo-dump.jsonl") };
        var command = new Command("demo", "Run the sample workflow: Shadowserver reports -> shadowserver-parser -> taxonomy-expert -> file-output, then print a summary.")
        {
            samples, output, dump,
        };
        command.SetAction(parse => Run(parse.GetValue(samples), parse.GetValue(output)!, parse.GetValue(dump)!));
        return command;
    }

    static int Run(string? samplesDir, string outputPath, string dumpPath)
    {
        foreach (var file in new[] { outputPath, dumpPath })
            if (File.Exists(file)) File.Delete(file);
        var parser = new ShadowserverParser();
        var taxonomy = new TaxonomyExpert();
        using var output = new FileOutput(new FileOutputOptions { Path = outputPath }, Installation.ContextFor(Programs.Catalog.Resolve("file-output"), "demo"));
        using var dump = new DumpWriter(dumpPath, "demo");
        var sink = new Sink(output, dump);
        foreach (var (name, open) in Reports(samplesDir))
        {
            var report = Event.Create(MessageKind.Report);
            report.Add(DhoMapping.ToIdf("extra.file_name")!, name);
            report.Add(DhoMapping.ToIdf("feed.provider")!, "Shadowserver");
            report.Add(DhoMapping.ToIdf("feed.name")!, "Shadowserver Reports");
            report.Add(DhoMapping.ToIdf("time.observation")!, Clock.NowText);
            sink.Input = name;
            using var body = open();
            try
            {
                sink.ReportType = parser.ReportTypeOf(report).FileName;
                ((IParser)parser).Parse(report, body, new ExpertStep(taxonomy, sink));
            }
            catch (InvalidDataException ex)
            {
                dump.Write(name, "report", ex, name);
                sink.Failures.Add((name, "report", ex.Message));
            }
        }
        sink.Flush();
        Print(sink, outputPath, dumpPath);
        return 0;
    }

    static IEnumerable<(string Name, Func<TextReader> Open)> Reports(string? dir)
    {
        if (dir is not null)
        {
            if (!Directory.Exists(dir)) throw new ConfigurationException($"--samples '{dir}' is not a folder.");
            foreach (var file in Directory.GetFiles(dir, "*.csv").Order(StringComparer.Ordinal))
                yield return (Path.GetFileName(file), () => File.OpenText(file));
            yield break;
        }
        var assembly = typeof(DemoCommand).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith("samples/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return (resource["samples/".Length..], () => new StreamReader(assembly.GetManifestResourceStream(resource)!));
    }

    static void Print(Sink sink, string outputPath, string dumpPath)
    {
        Console.WriteLine($"Wrote {sink.Counts.Values.Sum()} events to {outputPath}.");
        Console.WriteLine();
        Console.WriteLine($"{"report type",-24} {"taxonomy",-20} {"events",6}");
        foreach (var ((type, tax), n) in sink.Counts.OrderBy(c => c.Key.Type, StringComparer.Ordinal).ThenBy(c => c.Key.Taxonomy, StringComparer.Ordinal))
            Console.WriteLine($"{type,-24} {tax,-20} {n,6}");
        Console.WriteLine();
        if (sink.Failures.Count == 0) { Console.WriteLine("No rows failed."); return; }
        Console.WriteLine($"{sink.Failures.Count} rows failed and went to {dumpPath} (inspect them there, fix, and feed them again):");
        foreach (var (input, position, error) in sink.Failures)
            Console.WriteLine($"  {input} {position}: {error}");
    }

    sealed class ExpertStep(IExpert expert, IEmitter next) : IEmitter
    {
        public void Emit(Event ev, string path = "_default") => expert.Process(ev, next);
        public void Reject(string position, string content, Exception error) => next.Reject(position, content, error);
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => next.Reject(position, content, error);
        public void Drop(Event ev, string reason) => next.Drop(ev, reason);
    }

    sealed class Sink(FileOutput output, DumpWriter dump) : IEmitter
    {
        public string Input { get; set; } = "";
        public string ReportType { get; set; } = "";
        public Dictionary<(string Type, string Taxonomy), int> Counts { get; } = [];
        public List<(string Input, string Position, string Error)> Failures { get; } = [];

        readonly List<Event> _batch = [];

        public void Emit(Event ev, string path = "_default")
        {
            _batch.Add(ev);
            var key = (ReportType, ev["classification.taxonomy"] as string ?? "(none)");
            Counts[key] = Counts.GetValueOrDefault(key) + 1;
        }

        public void Reject(string position, string content, Exception error)
        {
            dump.Write(Input, position, error, content, "part");
            Failures.Add((Input, position, error.Message));
        }

        public void Reject(string position, ReadOnlySpan<byte> content, Exception error)
        {
            dump.Write(Input, position, error, content, "part");
            Failures.Add((Input, position, error.Message));
        }

        public void Drop(Event ev, string reason) { }

        public void Flush()
        {
            output.WriteAsync(_batch, new WriteResult[_batch.Count], CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _batch.Clear();
        }
    }
}
