using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using nietras.SeparatedValues;
using IntelMQ.Core;
using IntelMQ.Parsers.Shadowserver;


namespace IntelMQ.Bench;

/// <summary>
/// Measures the Shadowserver parser path on a synthetic report: CSV parse, per-field validation and
/// serialisation to NDJSON, single-threaded, as one whole run timed with a stopwatch.
/// <code>
/// dotnet run -c Release --project bench/IntelMQ.Bench -- --rows 1000000 --type scan_smb
/// dotnet run -c Release --project bench/IntelMQ.Bench -- --rows 100000,1000000          (every type, a process each)
/// </code>
/// </summary>
static class Program
{
    static readonly string[] DefaultTypes = ["scan_smb", "event4_sinkhole_http"];

    const string Usage = """
        usage: IntelMQ.Bench [--rows N[,N...]] [--type TYPE[,TYPE...]] [--output FILE] [--keep-input FILE | --input FILE] [--stage STAGE] [--repeat N]
          --rows        rows of the synthetic report (default 1000000); several run one after the other
          --type        Shadowserver report type (default: scan_smb,event4_sinkhole_http)
          --output      write the NDJSON to FILE instead of discarding it (one type and size only)
          --keep-input  keep the generated CSV as FILE (one type and size only)
          --input       parse FILE, a CSV kept earlier, instead of generating one (for profiling)
          --stage       how far to go: read (CSV cells only), parse (events, not serialised), write (default)
          --reader      for --stage read: utf8 (the parser's own byte reader, default), sylvan or sep (both on a UTF-8 StreamReader)
          --repeat      parse the input N times in the one process, a line each (for comparing versions on a busy machine)
        Each type and size runs in a fresh process, so every peak working set is that run's own.
        """;

    static int Main(string[] args)
    {
        var rows = new List<long>();
        var types = new List<string>();
        string? output = null, keepInput = null, existing = null;
        var child = false;
        var stage = Stage.Write;
        var repeat = 1;
        var reader = CsvReaderKind.Utf8;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--rows": rows.AddRange(Next().Split(',').Select(r => long.Parse(r.Replace("_", ""), CultureInfo.InvariantCulture))); break;
                case "--type": types.AddRange(Next().Split(',')); break;
                case "--output": output = Next(); break;
                case "--keep-input": keepInput = Next(); break;
                case "--input": existing = Next(); break;
                case "--stage": stage = Enum.Parse<Stage>(Next(), ignoreCase: true); break;
                case "--reader": reader = Enum.Parse<CsvReaderKind>(Next(), ignoreCase: true); break;
                case "--repeat": repeat = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--child": child = true; break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'\n{Usage}"); return 2;
            }
        }
        if (rows.Count == 0) rows.Add(1_000_000);
        if (types.Count == 0) types.AddRange(DefaultTypes);
        foreach (var type in types)
            if (ShadowserverSchema.BuiltIn.ByFileName(type) is null)
            {
                Console.Error.WriteLine($"'{type}' is not a report type of the built-in Shadowserver schema");
                return 2;
            }

        if (child) return Run(types[0], rows[0], output, keepInput, existing, stage, reader, header: false);
        if (types.Count == 1 && rows.Count == 1)
        {
            var status = 0;
            for (var pass = 0; pass < repeat && status == 0; pass++)
                status = Run(types[0], rows[0], output, keepInput, existing ?? (pass > 0 ? keepInput : null), stage, reader, header: pass == 0);
            return status;
        }
        if (output is not null || keepInput is not null || existing is not null)
        {
            Console.Error.WriteLine("--output, --keep-input and --input need a single --type and --rows");
            return 2;
        }
        PrintMachine();
        PrintHeader();
        foreach (var type in types)
            foreach (var n in rows)
            {
                using var process = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, ["--child", "--type", type, "--rows", n.ToString(CultureInfo.InvariantCulture), "--stage", stage.ToString(), "--reader", reader.ToString()]))!;
                process.WaitForExit();
                if (process.ExitCode != 0) return process.ExitCode;
            }
        return 0;
    }

    static int Run(string typeName, long rows, string? output, string? keepInput, string? existing, Stage stage, CsvReaderKind csvReader, bool header)
    {
        var type = ShadowserverSchema.BuiltIn.ByFileName(typeName)!;
        var input = existing ?? keepInput ?? Path.Combine(Path.GetTempPath(), $"intelmq-bench-{Environment.ProcessId}-{typeName}.csv");
        try
        {
            long inputBytes;
            if (existing is not null) inputBytes = new FileInfo(existing).Length;
            else
            {
                var generated = Stopwatch.StartNew();
                inputBytes = new SyntheticReport(type).Write(input, rows);
                generated.Stop();
                Console.Error.WriteLine($"{typeName}: generated {rows:N0} rows ({inputBytes / 1e6:F1} MB) in {generated.Elapsed.TotalSeconds:F1} s");
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var gcBefore = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2));
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();

            var parser = new ShadowserverParser(new() { FileName = $"2024-05-01-{typeName}-geo.csv" });
            var report = new Event(MessageKind.Report);
            report.Add(DhoMapping.ToIdf("feed.name")!, "Shadowserver");
            report.Add(DhoMapping.ToIdf("time.observation")!, "2024-05-02T00:00:00+00:00");
            var sink = new CountingStream(output is null ? null : File.Create(output));
            long events = 0, rejected = 0;
            using (var body = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var writer = new MessageWriter(sink, MessageFormat.Ndjson, "intelmq-bench"))
            {
                if (stage == Stage.Read) events = ReadCells(body, csvReader);
                else
                    foreach (var ev in parser.Parse(body, report, (_, _, _) => rejected++))
                    {
                        if (stage == Stage.Write) writer.Write(ev);
                        events++;
                    }
                writer.Flush();
            }

            clock.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            if (existing is not null) rows = events + rejected;
            if (header)
            {
                PrintMachine();
                PrintHeader();
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {typeName,-20} | {rows,9:N0} | {events,9:N0} | {rejected,4} | {seconds,7:F2} | {cpuSeconds,7:F2} | {events / seconds,10:N0} | {inputBytes / 1e6 / seconds,7:F1} | {sink.BytesWritten / 1e6,8:F1} | {sink.BytesWritten / 1e6 / seconds,7:F1} | {self.PeakWorkingSet64 / 1048576.0,7:F0} | {(double)allocated / Math.Max(events, 1),8:N0} | {GC.CollectionCount(0) - gcBefore.Gen0}/{GC.CollectionCount(1) - gcBefore.Gen1}/{GC.CollectionCount(2) - gcBefore.Gen2} |"));
            return rejected == 0 ? 0 : 1;
        }
        finally
        {
            if (keepInput is null && existing is null) File.Delete(input);
        }
    }

    enum Stage { Read, Parse, Write }

    enum CsvReaderKind { Utf8, Sylvan, Sep }

    // The floor: a CSV reader producing every cell as a string, as the parser asks for them.
    static long ReadCells(Stream body, CsvReaderKind kind)
    {
        long rows = 0;
        switch (kind)
        {
            case CsvReaderKind.Utf8:
                var utf8 = new Utf8CsvReader(body);
                utf8.Read();
                while (utf8.Read())
                {
                    for (var i = 0; i < utf8.CellCount; i++) _ = utf8.GetString(i);
                    rows++;
                }
                break;
            case CsvReaderKind.Sylvan:
                using (var csv = Sylvan.Data.Csv.CsvDataReader.Create(new StreamReader(body, System.Text.Encoding.UTF8, false, 1 << 16), new Sylvan.Data.Csv.CsvDataReaderOptions { HasHeaders = true, BufferSize = 1 << 16 }))
                    while (csv.Read())
                    {
                        for (var i = 0; i < csv.RowFieldCount; i++) _ = csv.GetString(i);
                        rows++;
                    }
                break;
            case CsvReaderKind.Sep:
                using (var sep = Sep.Reader(o => o with { Unescape = true, DisableColCountCheck = true }).From(new StreamReader(body, System.Text.Encoding.UTF8, false, 1 << 16)))
                    foreach (var row in sep)
                    {
                        for (var i = 0; i < row.ColCount; i++) _ = row[i].ToString();
                        rows++;
                    }
                break;
        }
        return rows;
    }

    static void PrintMachine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        Console.WriteLine($"machine: {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, "
                          + $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, single-threaded, "
                          + $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");
        Console.WriteLine();
    }

    static void PrintHeader()
    {
        Console.WriteLine("| report type          |      rows |    events | rej. | seconds |   cpu s |   events/s |  in MB/s |   out MB | out MB/s | peak MB | B/event | GC 0/1/2 |");
        Console.WriteLine("|----------------------|----------:|----------:|-----:|--------:|--------:|-----------:|--------:|---------:|--------:|--------:|--------:|---------:|");
    }
}
