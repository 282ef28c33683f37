using System.CommandLine;
using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq demo</c>: the sample workflow. Shadowserver reports (built in, or a folder of CSVs) go through
/// shadowserver-parser, taxonomy-expert and file-output, each run by the same host as <c>intelmq run</c>, connected by
/// in-process queues, with a summary at the end.
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
        var queue = $"demo-{Environment.ProcessId}";
        var expert = Host("taxonomy-expert", null, dumpPath, $"memory:{queue}-parsed", $"memory:{queue}-classified");
        var output = Host("file-output", new Dictionary<string, object?> { ["path"] = outputPath }, dumpPath, $"memory:{queue}-classified", null);
        using var expertDone = new CancellationTokenSource();
        using var outputDone = new CancellationTokenSource();
        var expertRun = Task.Run(() => RunAsync(expert, expertDone.Token));
        var outputRun = Task.Run(() => RunAsync(output, outputDone.Token));
        foreach (var (name, open) in Reports(samplesDir))
        {
            var parser = Host("shadowserver-parser", new Dictionary<string, object?> { ["file_name"] = name, ["overwrite"] = true }, dumpPath, null, $"memory:{queue}-parsed") with { Raw = true };
            using var body = open();
            RunAsync(parser, CancellationToken.None, body, name).GetAwaiter().GetResult();
        }
        // Each daemon is stopped once its input is drained (it finishes the batch in hand), upstream first.
        Drain($"{queue}-parsed", expertDone, expertRun);
        Drain($"{queue}-classified", outputDone, outputRun);
        Print(outputPath, dumpPath);
        return 0;
    }

    static HostOptions Host(string name, Dictionary<string, object?>? options, string dump, string? input, string? output)
    {
        var program = Programs.Catalog.Resolve(name);
        var context = Installation.ContextFor(program, name) with { Log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance };
        return new HostOptions
        {
            Program = program,
            Options = OptionBinder.Bind(program, options ?? []),
            ProgramId = name,
            Input = input ?? "stdin:",
            Outputs = new Dictionary<string, IReadOnlyList<string>> { [Paths.Default] = [output ?? "stdout:"] },
            DumpPath = dump,
            Daemon = input is not null,
            Context = context,
        };
    }

    static async Task RunAsync(HostOptions options, CancellationToken stop, Stream? body = null, string? name = null)
    {
        var host = new ProgramHost(options, Channels.Catalog, new ChannelContext(options.ProgramId, 0, TextWriter.Null) { StandardInput = body, StandardInputName = name });
        try { await host.RunAsync(stop, CancellationToken.None); }
        finally { await host.DisposeAsync(); }
    }

    static void Drain(string queue, CancellationTokenSource stop, Task run)
    {
        var depth = (IQueueDepth)Channels.Catalog.OpenOutput($"memory:{queue}", new ChannelContext("demo", 0, TextWriter.Null));
        while (depth.DepthAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().Depth > 0 && !run.IsCompleted) Thread.Sleep(20);
        stop.Cancel();
        run.GetAwaiter().GetResult();
    }

    static IEnumerable<(string Name, Func<Stream> Open)> Reports(string? dir)
    {
        if (dir is not null)
        {
            if (!Directory.Exists(dir)) throw new ConfigurationException($"--samples '{dir}' is not a folder.");
            foreach (var file in Directory.GetFiles(dir, "*.csv").Order(StringComparer.Ordinal))
                yield return (Path.GetFileName(file), () => File.OpenRead(file));
            yield break;
        }
        var assembly = typeof(DemoCommand).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith("samples/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return (resource["samples/".Length..], () => assembly.GetManifestResourceStream(resource)!);
    }

    static void Print(string outputPath, string dumpPath)
    {
        var events = File.Exists(outputPath) ? File.ReadLines(outputPath).SelectMany(l => EventJson.Read(System.Text.Encoding.UTF8.GetBytes(l))).ToList() : [];
        Console.WriteLine($"Wrote {events.Count} events to {outputPath}.");
        Console.WriteLine();
        Console.WriteLine($"{"feed",-28} {"taxonomy",-16} {"events",6}");
        foreach (var group in events.GroupBy(e => (Id: e[DhoMapping.ToIdf("feed.name")!] as string ?? "(none)", Tax: e["classification.taxonomy"] as string ?? "(none)"))
                     .OrderBy(g => g.Key.Id, StringComparer.Ordinal).ThenBy(g => g.Key.Tax, StringComparer.Ordinal))
            Console.WriteLine($"{group.Key.Id,-28} {group.Key.Tax,-16} {group.Count(),6}");
        Console.WriteLine();
        var failures = File.Exists(dumpPath) ? File.ReadLines(dumpPath).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList() : [];
        if (failures.Count == 0) { Console.WriteLine("No rows failed."); return; }
        Console.WriteLine($"{failures.Count} rows failed and went to {dumpPath} (inspect them there, fix, and feed them again):");
        foreach (var f in failures)
            Console.WriteLine($"  {f.GetProperty("input").GetString()} {f.GetProperty("position").GetString()}: {f.GetProperty("error").GetString()}");
    }
}
