using System.CommandLine;
using IntelMQ.Core;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary><c>intelmq run PROGRAM ...</c>: a one-shot run from standard input to standard output.</summary>
public static class RunCommand
{
    static readonly Argument<string> ProgramArg = new("program") { Description = "Our program name (shadowserver-parser) or the IntelMQ module it replaces (intelmq.bots.parsers.shadowserver.parser)." };
    static readonly Option<string?> Config = new("--config", "-c") { Description = "YAML file with the program's options (top level or under `parameters:`)." };
    static readonly Option<string[]> Set = new("--set") { Description = "Set an option: KEY=VALUE, VALUE read as JSON when it parses as JSON. Repeatable; IntelMQ's parameter names work too.", AllowMultipleArgumentsPerToken = false };
    static readonly Option<long?> StopAfter = new("--stop-after") { Description = "Stop after N input messages." };
    static readonly Option<MessageFormat> InFormat = new("--in-format") { Description = "Input format: auto (detect per line), idf, ndjson or dho.", DefaultValueFactory = _ => MessageFormat.Auto };
    static readonly Option<MessageFormat> OutFormat = new("--out-format") { Description = "Output format: idf (packets), ndjson (one event per line) or dho (IntelMQ JSON lines).", DefaultValueFactory = _ => MessageFormat.Idf };
    static readonly Option<string[]> Output = new("--output") { Description = "Send a named output path to a file: PATH=file:FILE (_default is standard output). Repeatable." };
    static readonly Option<string?> Dump = new("--dump") { Description = "Where failed messages go (JSON lines with the error and position). Default: the state directory's dump/PROGRAM.jsonl." };
    static readonly Option<bool> Raw = new("--raw") { Description = "Parsers: standard input is the body of one report, not JSON messages." };
    static readonly Option<bool> SelfUpdate = new("--self-update-db") { Description = "Fetch the program's newest reference data (the Shadowserver schema) and exit." };

    public static Command Create()
    {
        var command = new Command("run", "Run a program once: messages from standard input, events to standard output, failures to the dump.")
        {
            ProgramArg, Config, Set, StopAfter, InFormat, OutFormat, Output, Dump, Raw, SelfUpdate,
        };
        command.SetAction(Execute);
        return command;
    }

    static int Execute(ParseResult parse)
    {
        var program = Programs.Catalog.Resolve(parse.GetValue(ProgramArg)!);
        var values = ConfigValues.Collect(parse.GetValue(Config), parse.GetValue(Set) ?? []);
        var ignored = new List<string>();
        var options = OptionBinder.Bind(program, values, ignored);
        if (parse.GetValue(SelfUpdate)) return DataUpdate.Run(program, options, Console.Error);
        if (ignored.Count > 0)
            Console.Error.WriteLine($"{program.Name}: note: IntelMQ framework parameters left to the runtime: {string.Join(", ", ignored)}");
        var raw = parse.GetValue(Raw);
        if (raw && program.Kind != ProgramKind.Parser)
            throw new ConfigurationException($"--raw is for parsers; {program.Name} is {program.Kind.ToString().ToLowerInvariant()}.");
        var outFormat = parse.GetValue(OutFormat);
        if (outFormat == MessageFormat.Auto) throw new ConfigurationException("--out-format must be idf, ndjson or dho.");
        var run = new RunOptions
        {
            Program = program,
            Options = options,
            InFormat = parse.GetValue(InFormat),
            OutFormat = outFormat,
            OutputFiles = ParseOutputs(parse.GetValue(Output) ?? []),
            DumpPath = parse.GetValue(Dump) ?? Path.Combine(Installation.DumpDirectory, program.Name + ".jsonl"),
            StopAfter = parse.GetValue(StopAfter),
            Raw = raw,
            Producer = Installation.Producer,
        };
        RunSummary summary;
        using (var runner = new OneShotRunner(run, Console.OpenStandardOutput(), Console.Error))
            summary = runner.Run(Console.OpenStandardInput());
        var events = string.Join(", ", summary.EventsByPath.Select(p => p.Key == "_default" ? $"{p.Value} events" : $"{p.Value} events to {p.Key}"));
        Console.Error.WriteLine($"{program.Name}: {summary.Messages} message{(summary.Messages == 1 ? "" : "s")}, {(events.Length == 0 ? "0 events" : events)}"
                                + (summary.Dumped > 0 ? $", {summary.Dumped} failures dumped to {summary.DumpPath}" : ""));
        return summary.ExitCode;
    }

    static Dictionary<string, string> ParseOutputs(string[] outputs)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            var eq = output.IndexOf('=');
            var (name, uri) = eq > 0 ? (output[..eq], output[(eq + 1)..]) : ("_default", output);
            if (!uri.StartsWith("file:", StringComparison.Ordinal) || uri.Length == 5)
                throw new ConfigurationException($"--output '{output}': one-shot runs write to files: PATH=file:FILE (e.g. --output _default=file:events.jsonl).");
            files[name] = uri[5..];
        }
        return files;
    }
}
