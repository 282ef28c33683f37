using System.CommandLine;
using System.Runtime.InteropServices;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary><c>intelmq run PROGRAM ...</c>: run a program between channels, once or as a daemon.</summary>
public static class RunCommand
{
    static readonly Argument<string> ProgramArg = new("program") { Description = "Our program name (shadowserver-parser) or the IntelMQ module it replaces (intelmq.bots.parsers.shadowserver.parser)." };
    static readonly Option<string?> Config = new("--config", "-c") { Description = "YAML file with the program's options (top level or under `parameters:`)." };
    static readonly Option<string[]> Set = new("--set") { Description = "Set an option: KEY=VALUE, VALUE read as JSON when it parses as JSON. Repeatable; IntelMQ's parameter names work too." };
    static readonly Option<string?> Input = new("--input", "-i") { Description = "Input channel URI (default stdin:), e.g. redis://localhost:6379/2?queue=parser-queue. See docs/channels.md." };
    static readonly Option<string[]> Output = new("--output", "-o") { Description = "Output channel: URI, or NAME=URI for a named output path (IntelMQ's named destination queues; _default is stdout:). Repeatable." };
    static readonly Option<long?> StopAfter = new("--stop-after") { Description = "Stop after N input messages." };
    static readonly Option<MessageFormat> InFormat = new("--in-format") { Description = "Input format: auto (detect per message), idf, ndjson or dho.", DefaultValueFactory = _ => MessageFormat.Auto };
    static readonly Option<MessageFormat?> OutFormat = new("--out-format") { Description = "Output format for every output channel: idf (packets), ndjson or dho. Default: the channel's format= or its own default (idf; dho for redis lists)." };
    static readonly Option<string?> Dump = new("--dump") { Description = "Where failed messages go (JSON lines with the error and position). Default: the state directory's dump/ID.jsonl." };
    static readonly Option<bool> Raw = new("--raw") { Description = "Parsers: standard input is the body of one report, not JSON messages." };
    static readonly Option<bool> Daemon = new("--daemon") { Description = "Run until SIGTERM/SIGINT, then finish and acknowledge the current batch and exit." };
    static readonly Option<int> Processes = new("--processes") { Description = "Start N worker processes that share the input as competing consumers, supervised (a crashed worker is restarted).", DefaultValueFactory = _ => 1 };
    static readonly Option<int> BatchSize = new("--batch-size") { Description = "Messages received, processed and acknowledged together.", DefaultValueFactory = _ => 500 };
    static readonly Option<int> Linger = new("--linger-ms") { Description = "After a batch's first message, keep receiving this long to fill it (fewer, larger round trips).", DefaultValueFactory = _ => 0 };
    static readonly Option<ErrorPolicy> OnError = new("--on-error") { Description = "When processing a message throws: dump (and go on), retry (with backoff, then dump) or stop.", DefaultValueFactory = _ => ErrorPolicy.Dump };
    static readonly Option<int> Retries = new("--retries") { Description = "Attempts before a failing message is dumped, with --on-error retry.", DefaultValueFactory = _ => 3 };
    static readonly Option<string?> Id = new("--id") { Description = "The program instance's id (names consumers, in-flight queues and the dump). Default: the program name." };
    static readonly Option<int> WorkerId = new("--worker-id") { Description = "Set by the supervisor of --processes.", Hidden = true };
    static readonly Option<bool> SelfUpdate = new("--self-update-db") { Description = "Fetch the program's newest reference data (the Shadowserver schema) and exit." };

    public static Command Create()
    {
        var command = new Command("run", "Run a program: messages from the input channel, results to the output channels, failures to the dump.")
        {
            ProgramArg, Config, Set, Input, Output, StopAfter, InFormat, OutFormat, Dump, Raw, Daemon, Processes, BatchSize, Linger, OnError, Retries, Id, WorkerId, SelfUpdate,
        };
        command.SetAction(Execute);
        return command;
    }

    static int Execute(ParseResult parse)
    {
        var program = Programs.Catalog.Resolve(parse.GetValue(ProgramArg)!);
        var values = ConfigValues.Collect(parse.GetValue(Config), parse.GetValue(Set) ?? []);
        var configInput = values.Remove("input", out var i) ? i as string ?? throw new ConfigurationException("config: input must be one channel URI.") : null;
        var configOutputs = values.Remove("output", out var o) ? ConfigOutputs(o) : [];
        var runtime = RuntimeSettings.Take(values);
        var ignored = new List<string>();
        var options = OptionBinder.Bind(program, values, ignored);
        if (parse.GetValue(SelfUpdate)) return DataUpdate.Run(program, options, Installation.ContextFor(program, parse.GetValue(Id) ?? program.Name), Console.Error);
        var workerId = parse.GetValue(WorkerId);
        if (Given(parse, WorkerId)) Supervisor.StopWithSupervisor();
        if (ignored.Count > 0 && workerId == 0)
            Console.Error.WriteLine($"{program.Name}: note: IntelMQ framework parameters left to the runtime: {string.Join(", ", ignored)}");
        var raw = parse.GetValue(Raw);
        if (raw && program.Kind != ProgramKind.Parser)
            throw new ConfigurationException($"--raw is for parsers; {program.Name} is {program.Kind.ToString().ToLowerInvariant()}.");
        var outFormat = parse.GetValue(OutFormat);
        if (outFormat == MessageFormat.Auto) throw new ConfigurationException("--out-format must be idf, ndjson or dho.");
        var processes = parse.GetValue(Processes);
        if (processes < 1) throw new ConfigurationException("--processes must be 1 or more.");
        var batchSize = Given(parse, BatchSize) ? parse.GetValue(BatchSize) : runtime.BatchSize ?? parse.GetValue(BatchSize);
        if (batchSize < 1) throw new ConfigurationException("--batch-size must be 1 or more.");
        var id = parse.GetValue(Id) ?? program.Name;
        var host = new HostOptions
        {
            Program = program,
            Options = options,
            ProgramId = id,
            WorkerId = workerId,
            Input = parse.GetValue(Input) ?? configInput ?? "stdin:",
            Outputs = ParseOutputs(parse.GetValue(Output) is { Length: > 0 } cli ? cli : [.. configOutputs]),
            InFormat = parse.GetValue(InFormat),
            OutFormat = outFormat,
            DumpPath = parse.GetValue(Dump) ?? Path.Combine(Installation.DumpDirectory, id + ".jsonl"),
            StopAfter = parse.GetValue(StopAfter),
            Daemon = parse.GetValue(Daemon),
            Raw = raw,
            BatchSize = batchSize,
            Linger = TimeSpan.FromMilliseconds(Math.Max(0, Given(parse, Linger) ? parse.GetValue(Linger) : runtime.LingerMs ?? 0)),
            OnError = Given(parse, OnError) ? parse.GetValue(OnError) : runtime.OnError ?? parse.GetValue(OnError),
            MaxRetries = Given(parse, Retries) ? parse.GetValue(Retries) : runtime.Retries ?? parse.GetValue(Retries),
            RetryDelay = runtime.RetryDelay ?? TimeSpan.FromSeconds(1),
            Producer = Installation.Producer,
            Context = Installation.ContextFor(program, id),
        };
        if (processes > 1)
        {
            if (raw || host.Input.StartsWith("stdin", StringComparison.Ordinal))
                throw new ConfigurationException("--processes needs a shared input channel (redis, amqp, sqlite, ...), not standard input.");
            return Supervisor.Run(processes, id, Console.Error);
        }
        return Run(host);
    }

    // The command line wins over the config file; an option left at its default was not given.
    static bool Given<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is { Implicit: false };

    static int Run(HostOptions options)
    {
        using var stop = new CancellationTokenSource();
        using var kill = new CancellationTokenSource();
        // First signal: finish and acknowledge the current batch; second: leave it unacknowledged for redelivery.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (stop.IsCancellationRequested) kill.Cancel();
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        var context = new ChannelContext(options.ProgramId, options.WorkerId, Console.Error);
        RunSummary summary;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    summary = RunOnce(options, context, stop.Token, kill.Token);
                    break;
                }
                catch (ChannelUnavailableException ex) when (options.Daemon && !stop.IsCancellationRequested)
                {
                    // A server that is down (or not up yet) is waited for; whatever was received stays unacknowledged.
                    var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5))));
                    Console.Error.WriteLine($"{options.ProgramId}: {ex.Message} Trying again in {delay.TotalSeconds:0} s.");
                    if (stop.Token.WaitHandle.WaitOne(delay)) return 0;
                }
            }
        }
        catch (ProgramStoppedException ex)
        {
            Console.Error.WriteLine($"intelmq: {ex.Message}");
            return 3;
        }
        catch (OperationCanceledException) when (kill.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{options.ProgramId}: stopped; the current batch stays unacknowledged and will be redelivered.");
            return 0;
        }
        var events = string.Join(", ", summary.EventsByPath.Select(p => p.Key == "_default" ? $"{p.Value} events" : $"{p.Value} events to {p.Key}"));
        Console.Error.WriteLine($"{options.ProgramId}: {summary.Messages} message{(summary.Messages == 1 ? "" : "s")}, {(events.Length == 0 ? "0 events" : events)}"
                                + (summary.Dumped > 0 ? $", {summary.Dumped} failures dumped to {summary.DumpPath}" : ""));
        return summary.ExitCode;
    }

    static RunSummary RunOnce(HostOptions options, ChannelContext context, CancellationToken stop, CancellationToken kill)
    {
        var host = new ProgramHost(options, Channels.Catalog, context);
        try
        {
            return host.RunAsync(stop, kill).GetAwaiter().GetResult();
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A config file's <c>output:</c> as NAME=URI entries: a URI, a list of URIs, or a mapping of path names to either.</summary>
    static List<string> ConfigOutputs(object? value) => value switch
    {
        string uri => [uri],
        string[] uris => [.. uris],
        Dictionary<string, object?> paths => [.. paths.SelectMany(p => ConfigOutputs(p.Value).Select(uri => $"{p.Key}={uri}"))],
        _ => throw new ConfigurationException("config: output must be a channel URI, a list of them, or a mapping of output path names to them."),
    };

    /// <summary>NAME=URI or URI (the default path); a path given twice sends to both. A URI's own query (?queue=x) is not a NAME=.</summary>
    static Dictionary<string, IReadOnlyList<string>> ParseOutputs(string[] outputs)
    {
        var channels = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            var eq = output.IndexOf('=');
            var named = eq > 0 && !output.AsSpan(0, eq).ContainsAny(":/?");
            var (name, uri) = named ? (output[..eq], output[(eq + 1)..]) : ("_default", output);
            ChannelAddress.Parse(uri);
            (channels.TryGetValue(name, out var list) ? list : channels[name] = []).Add(uri);
        }
        if (!channels.ContainsKey("_default")) channels["_default"] = ["stdout:"];
        return channels.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value, StringComparer.Ordinal);
    }
}
