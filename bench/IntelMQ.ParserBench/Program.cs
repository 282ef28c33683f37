using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IntelMQ.Core;
using IntelMQ.Parsers.CiArmy;
using IntelMQ.Parsers.GenericCsv;
using IntelMQ.Parsers.Json;
using IntelMQ.Parsers.Misp;
using IntelMQ.Parsers.Stix;

namespace IntelMQ.ParserBench;

/// <summary>
/// Measures a parser on a large synthetic report, as bench/IntelMQ.Bench measures the Shadowserver parser: the report
/// is generated to a file, parsed single-threaded, each event serialised to NDJSON, the whole run timed.
/// <code>
/// dotnet run -c Release --project bench/IntelMQ.ParserBench -- --format csv,jsonl,misp,blocklist,stix --records 1000000
/// </code>
/// </summary>
static class Program
{
    const string Usage = """
        usage: IntelMQ.ParserBench [--format FORMAT[,FORMAT...]] [--records N[,N...]] [--output FILE]
          --format   csv (generic-csv-parser), jsonl (json-parser, splitlines), misp (misp-parser), blocklist (ci-army-parser),
                     stix (stix-parser); default: all five
          --records  records of the generated report (default 1000000); several run one after the other
          --output   write the NDJSON to FILE instead of discarding it (one format and size only)
        Each format and size runs in a fresh process, so every peak working set is that run's own.
        """;

    static int Main(string[] args)
    {
        var formats = new List<string>();
        var sizes = new List<long>();
        string? output = null;
        var child = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--format": formats.AddRange(Next().Split(',')); break;
                case "--records": sizes.AddRange(Next().Split(',').Select(r => long.Parse(r.Replace("_", ""), CultureInfo.InvariantCulture))); break;
                case "--output": output = Next(); break;
                case "--child": child = true; break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'\n{Usage}"); return 2;
            }
        }
        if (formats.Count == 0) formats.AddRange(SyntheticFeed.Formats);
        if (sizes.Count == 0) sizes.Add(1_000_000);
        if (formats.Except(SyntheticFeed.Formats).FirstOrDefault() is { } unknown)
        {
            Console.Error.WriteLine($"unknown format '{unknown}'\n{Usage}");
            return 2;
        }
        if (child) return Run(formats[0], sizes[0], output);
        if (output is not null && (formats.Count > 1 || sizes.Count > 1))
        {
            Console.Error.WriteLine("--output needs a single --format and --records");
            return 2;
        }
        PrintMachine();
        Console.WriteLine("| parser               |   records |    events | rej. | seconds |   cpu s |   events/s |  in MB/s | peak MB | B/event |");
        Console.WriteLine("|----------------------|----------:|----------:|-----:|--------:|--------:|-----------:|--------:|--------:|--------:|");
        foreach (var format in formats)
            foreach (var n in sizes)
            {
                string[] childArgs = ["--child", "--format", format, "--records", n.ToString(CultureInfo.InvariantCulture), .. output is null ? Array.Empty<string>() : ["--output", output]];
                using var process = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, childArgs))!;
                process.WaitForExit();
                if (process.ExitCode != 0) return process.ExitCode;
            }
        return 0;
    }

    static object Parser(string format) => format switch
    {
        "csv" => new GenericCsvParser(new GenericCsvParserOptions
        {
            Columns = ["time.source", "source.ip", "source.port", "source.asn", "source.geolocation.cc", "malware.name", "source.url"],
            ColumnRegexSearch = new Dictionary<string, string> { ["source.asn"] = "[0-9]+" },
            SkipHeader = "true",
            Type = "infected-system",
        }),
        "jsonl" => new JsonParser(new JsonParserOptions { Splitlines = true }),
        "misp" => new MispParser(),
        "stix" => new StixParser(),
        _ => new CiArmyParser(),
    };

    static string ProgramName(string format) => format switch
    {
        "csv" => "generic-csv-parser",
        "jsonl" => "json-parser",
        "misp" => "misp-parser",
        "stix" => "stix-parser",
        _ => "ci-army-parser",
    };

    static int Run(string format, long records, string? output)
    {
        var input = Path.Combine(Path.GetTempPath(), $"intelmq-parserbench-{Environment.ProcessId}-{format}");
        try
        {
            var generated = Stopwatch.StartNew();
            var inputBytes = new SyntheticFeed(format).Write(input, records);
            Console.Error.WriteLine($"{format}: generated {records:N0} records ({inputBytes / 1e6:F1} MB) in {generated.Elapsed.TotalSeconds:F1} s");

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();

            var report = new Event(MessageKind.Report);
            report.Add(DhoMapping.ToIdf("feed.name")!, "Benchmark");
            report.Add(DhoMapping.ToIdf("feed.url")!, "https://misp.example/");
            report.Add(DhoMapping.ToIdf("time.observation")!, "2024-05-02T00:00:00+00:00");
            using var sink = output is null ? Stream.Null : File.Create(output);
            var emitter = new WritingEmitter(new MessageWriter(sink, MessageFormat.Ndjson, "intelmq-bench"));
            // A parser that reads bytes (STIX, MISP: streamed JSON) gets the file as the runtime hands it on.
            var parser = Parser(format);
            if (parser is IStreamParser bytes)
                using (var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)) bytes.Parse(report, stream, emitter);
            else
                using (var body = new StreamReader(input, new System.Text.UTF8Encoding(false), false, new FileStreamOptions { BufferSize = 1 << 16 }))
                    ((IParser)parser).Parse(report, body, emitter);
            emitter.Writer.Flush();

            clock.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {ProgramName(format),-20} | {records,9:N0} | {emitter.Events,9:N0} | {emitter.Rejected,4} | {seconds,7:F2} | {cpuSeconds,7:F2} | {emitter.Events / seconds,10:N0} | {inputBytes / 1e6 / seconds,7:F1} | {self.PeakWorkingSet64 / 1048576.0,7:F0} | {(double)allocated / Math.Max(emitter.Events, 1),7:N0} |"));
            emitter.Writer.Dispose();
            return emitter.Rejected == 0 ? 0 : 1;
        }
        finally
        {
            File.Delete(input);
        }
    }

    static void PrintMachine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        Console.WriteLine($"machine: {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, "
                          + $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, single-threaded");
        Console.WriteLine();
    }
}
