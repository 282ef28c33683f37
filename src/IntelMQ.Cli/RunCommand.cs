using System.CommandLine;
using System.Runtime.InteropServices;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Channels;
using IntelMQ.Runtime.Observability;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq run PROGRAM ...</c>: run a program between channels, once or as a daemon. Its flags come from the
/// runtime's declaration (<see cref="RunOptions"/>), so they are the configuration file's keys too.
/// </summary>
public static class RunCommand
{
    public static readonly IReadOnlyList<OptionInfo> Declared = OptionInfo.Of(typeof(RunOptions));
    static readonly Argument<string> ProgramArg = new("program") { Description = "A configured instance (ID of config.d/ID.yaml, or a path to the file), our program name (shadowserver-parser) or the IntelMQ module it replaces (intelmq.bots.parsers.shadowserver.parser)." };
    static readonly Option<string?> Config = new("--config", "-c") { Description = "YAML file with the program's options and run settings (top level or under `parameters:`)." };
    static readonly Option<string[]> Set = new("--set") { Description = "Set an option or run setting: KEY=VALUE, VALUE read as JSON when it parses as JSON. Repeatable; IntelMQ's parameter names work too." };
    static readonly Option<int> WorkerId = new("--worker-id") { Description = "Set by the supervisor of --processes.", Hidden = true };
    static readonly Dictionary<OptionInfo, Option> Flags = Declared.ToDictionary(o => o, Flag);

    // --batch-size from batch_size; values are bound by the same binder as the configuration file's.
    static Option Flag(OptionInfo option)
    {
        var name = "--" + option.Name.Replace('_', '-');
        string[] aliases = option.Name switch { "input" => ["-i"], "output" => ["-o"], _ => [] };
        Option flag = option.Type == typeof(bool) ? new Option<bool>(name, aliases)
            : option.Type == typeof(string[]) ? new Option<string[]>(name, aliases)
            : new Option<string>(name, aliases);
        flag.Description = option.Description;
        return flag;
    }

    public static Command Create()
    {
        var command = new Command("run", "Run a program, or a configured instance (config.d/ID.yaml): messages from the input channel, results to the output channels, failures to the dump.")
        {
            ProgramArg, Config, Set, WorkerId,
        };
        foreach (var flag in Flags.Values) command.Options.Add(flag);
        command.SetAction(Execute);
        return command;
    }

    static int Execute(ParseResult parse)
    {
        var name = parse.GetValue(ProgramArg)!;
        var values = ConfigValues.Collect(parse.GetValue(Config), parse.GetValue(Set) ?? []);
        // A configured instance (config.d/ID.yaml) brings its program and values; --config, --set and the flags win.
        var program = InstanceRun.Apply(name, values) ?? Programs.Catalog.Resolve(name);
        foreach (var key in values.Keys)
            if (OptionBinder.Find(Declared, key) is { Attribute.CommandLineOnly: true } flagOnly)
                throw new ConfigurationException($"'{key}' is a command-line flag (--{flagOnly.Name.Replace('_', '-')}), not a configuration key.");
        // The command line wins over --set and the file.
        foreach (var (option, flag) in Flags)
            if (parse.GetResult(flag) is { Implicit: false } given) values[option.Name] = given.GetValueOrDefault<object?>();
        var settings = BindRunOptions(values);
        var collector = program.Kind == ProgramKind.Collector ? CollectorSettings.Take(values) : null;
        var ignored = new List<string>();
        var options = OptionBinder.Bind(program, values, ignored);
        var id = settings.Id ?? program.Name;
        using var logs = ProgramLog.Create(program.Name, id, (LogLevel)((int)settings.LogLevel + 1), settings.LogFormat, Console.Error, Clock.Provider);
        var context = Installation.ContextFor(program, id) with { Log = logs.CreateLogger(program.Name) };
        if (settings.SelfUpdateDb) return DataUpdate.Run(program, options, context, Console.Error);
        if (settings.SelfTest) return SelfTest(program, options, context);
        var workerId = parse.GetValue(WorkerId);
        if (parse.GetResult(WorkerId) is { Implicit: false }) Supervisor.StopWithSupervisor();
        if (ignored.Count > 0 && workerId == 0)
            foreach (var key in ignored)
                Console.Error.WriteLine($"{program.Name}: warning: IntelMQ parameter '{key}' is not implemented; use {OptionBinder.IntelMQParametersNotImplemented[key]}.");
        if (settings.Raw && program.Kind != ProgramKind.Parser)
            throw new ConfigurationException($"--raw is for parsers; {program.Name} is {program.Kind.ToString().ToLowerInvariant()}.");
        if (settings.OutFormat == MessageFormat.Auto) throw new ConfigurationException("out_format must be idf, ndjson or dho.");
        var host = new HostOptions
        {
            Program = program,
            Options = options,
            ProgramId = id,
            WorkerId = workerId,
            Input = settings.Input,
            Outputs = ParseOutputs(settings.Output),
            InFormat = settings.InFormat,
            OutFormat = settings.OutFormat,
            DumpPath = settings.Dump ?? Path.Combine(Installation.DumpDirectory, id + ".jsonl"),
            StopAfter = settings.StopAfter,
            Daemon = settings.Daemon,
            Raw = settings.Raw,
            BatchSize = settings.BatchSize,
            Linger = TimeSpan.FromMilliseconds(settings.LingerMs),
            OnError = settings.OnError,
            OnTransientError = settings.OnTransientError,
            MaxRetries = settings.Retries,
            RetryDelay = TimeSpan.FromSeconds(settings.RetryDelay),
            DropPath = settings.DropPath,
            Concurrency = settings.Concurrency,
            Timeout = TimeSpan.FromMilliseconds(settings.TimeoutMs),
            Context = context,
        };
        if (collector is not null) return RunCollector(host, collector, settings);
        if (settings.Processes > 1)
        {
            if (settings.Raw || !Cli.Channels.Catalog.IsShareable(host.Input))
                throw new ConfigurationException($"--processes {settings.Processes}: the input {(settings.Raw ? "--raw" : host.Input)} cannot be shared by several workers (each would read all of it); "
                                                 + "use a queue (redis, redis-stream, amqp, kafka, pulsar, sqlite) or --processes 1.");
            // The options are checked here once, so that a refused configuration is one message, not workers restarted in a loop.
            (program.Create(options, context) as IDisposable)?.Dispose();
            return Supervisor.Run(settings.Processes, id, Console.Error);
        }
        return Run(host, settings);
    }

    // What the program found (its reference data, its servers), on standard output; 0 usable, 1 not, 2 (thrown) misconfigured.
    static int SelfTest(ProgramInfo program, object? options, ProgramContext context)
    {
        var instance = program.Create(options, context);
        try
        {
            if (instance is ISelfTest test)
                foreach (var line in test.SelfTestAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                    Console.Out.WriteLine($"{program.Name}: {line}");
            if (instance is IHealthCheck health)
            {
                health.CheckAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Console.Out.WriteLine($"{program.Name}: its servers are reachable.");
            }
            Console.Out.WriteLine(instance is ISelfTest or IHealthCheck ? $"{program.Name}: self-test passed." : $"{program.Name}: has no self-test; its options were accepted.");
            return 0;
        }
        catch (Exception ex) when (ex is not ConfigurationException)
        {
            Console.Out.WriteLine($"{program.Name}: self-test failed: {ex.Message}");
            return 1;
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }

    static int RunCollector(HostOptions host, CollectorSettings collector, RunOptions settings)
    {
        if (settings.Processes > 1 || settings.Raw || host.Input != "stdin:")
            throw new ConfigurationException($"{host.Program.Name} is a collector: it fetches its reports itself, so --input, --raw and --processes do not apply.");
        var options = new CollectorHostOptions
        {
            Program = host.Program,
            Options = host.Options,
            Context = host.Context,
            Outputs = host.Outputs,
            OutFormat = host.OutFormat,
            DumpPath = host.DumpPath,
            StatePath = StateStore.PathFor(host.ProgramId),
            Schedule = host.Daemon ? collector.Schedule : null,
            MaxReportSize = collector.MaxReportSize,
            Feed = collector.Feed,
        };
        return Run(host, settings, (stop, kill) => RunCollectorOnce(options, host, stop, kill));
    }

    static RunSummary RunCollectorOnce(CollectorHostOptions options, HostOptions host, CancellationToken stop, CancellationToken kill)
    {
        var collector = new CollectorHost(options, Cli.Channels.Catalog, new ChannelContext(host.ProgramId, 0, Console.Error));
        try { return collector.RunAsync(stop, kill).GetAwaiter().GetResult(); }
        finally { collector.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>The run settings among the values (removed from them), with IntelMQ's error handling keys translated.</summary>
    static RunOptions BindRunOptions(Dictionary<string, object?> values)
    {
        if (values.TryGetValue("output", out var output) && output is not (string or string[] or null))
            values["output"] = ConfigOutputs(output).ToArray();
        var procedure = values.Remove("error_procedure", out var p) ? (p is System.Text.Json.JsonElement e ? e.ToString() : p?.ToString()) : null;
        var runtime = values.Where(v => OptionBinder.Find(Declared, v.Key) is not null).ToDictionary();
        foreach (var key in runtime.Keys) values.Remove(key);
        var settings = (RunOptions)OptionBinder.Bind("intelmq run", typeof(RunOptions), Declared, runtime, help: "intelmq run --help");
        // IntelMQ retries error_max_retries times, then applies error_procedure: pass (dump and go on) or stop.
        if (procedure is not null && !runtime.ContainsKey("on_error"))
            settings.OnError = procedure switch
            {
                "pass" => settings.Retries > 0 && runtime.Keys.Any(k => k is "retries" or "error_max_retries") ? ErrorPolicy.Retry : ErrorPolicy.Dump,
                "stop" => ErrorPolicy.Stop,
                _ => throw new ConfigurationException($"error_procedure: '{procedure}' is not one of pass, stop (IntelMQ's values)."),
            };
        return settings;
    }

    static int Run(HostOptions options, RunOptions settings, Func<CancellationToken, CancellationToken, RunSummary>? runOnce = null)
    {
        using var stop = new CancellationTokenSource();
        using var kill = new CancellationTokenSource();
        PosixSignal? signal = null;
        // First signal: finish and acknowledge the current batch; second: leave it unacknowledged for redelivery.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            signal ??= context.Signal;
            if (stop.IsCancellationRequested) kill.Cancel();
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        var context = new ChannelContext(options.ProgramId, options.WorkerId, Console.Error);
        using var metrics = settings.Metrics is null ? null : new RunMetrics(options.Program.Name, options.ProgramId, options.Outputs.Keys);
        var statistics = settings.IntelmqStatistics is { } redis ? IntelMQStatistics.Open(redis, options.Outputs.Keys, context) : null;
        IHealthCheck? health = null;
        var server = metrics is null ? null : StartMetrics(settings.Metrics!, options, metrics, () => health);
        var observer = new RunObserver(metrics, statistics);
        runOnce ??= (stop, kill) => RunOnce(options, context, stop, kill, metrics is null && statistics is null ? null : observer.Observe, check => health = check);
        try
        {
            return Run(options, runOnce, stop, kill, () => signal, () => metrics?.Retried(1));
        }
        finally
        {
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            statistics?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // Under --processes each worker serves on the next port (worker 0 on the given one), so that every worker is scraped.
    static MetricsServer StartMetrics(string address, HostOptions options, RunMetrics metrics, Func<IHealthCheck?> health)
    {
        var colon = address.LastIndexOf(':');
        if (options.WorkerId > 0 && colon > 0 && int.TryParse(address[(colon + 1)..], out var port) && port > 0)
            address = $"{address[..colon]}:{port + options.WorkerId}";
        try
        {
            return MetricsServer.StartAsync(address, metrics, token => Ready(health(), token)).GetAwaiter().GetResult();
        }
        catch (ConfigurationException ex)
        {
            throw new ConfigurationException($"--metrics {address}: {ex.Message}");
        }
    }

    // Ready when the program's own health check (its database, its API) passes; the channels retry on their own.
    static async Task<string?> Ready(IHealthCheck? check, CancellationToken token)
    {
        if (check is null) return null;
        try
        {
            await check.CheckAsync(token);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ex.Message;
        }
    }

    static int Run(HostOptions options, Func<CancellationToken, CancellationToken, RunSummary> runOnce, CancellationTokenSource stop, CancellationTokenSource kill, Func<PosixSignal?> signalOf, Action retrying)
    {
        RunSummary summary;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    summary = runOnce(stop.Token, kill.Token);
                    break;
                }
                catch (ChannelUnavailableException ex) when (options.Daemon && !stop.IsCancellationRequested)
                {
                    // A server that is down (or not up yet) is waited for; whatever was received stays unacknowledged.
                    var delay = Backoff.Default.Delay(attempt);
                    retrying();
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
            return Interrupted(signalOf());
        }
        var signal = signalOf();
        var events = string.Join(", ", summary.EventsByPath.Select(p => p.Key == Paths.Default ? $"{p.Value} events" : $"{p.Value} events to {p.Key}"));
        Console.Error.WriteLine($"{options.ProgramId}: {summary.Messages} message{(summary.Messages == 1 ? "" : "s")}, {(events.Length == 0 ? "0 events" : events)}"
                                + (summary.Dropped > 0 ? $", {summary.Dropped} dropped" : "")
                                + (summary.Dumped > 0 ? $", {summary.Dumped} failures dumped to {summary.DumpPath}" : "")
                                + (summary.Interrupted || (!options.Daemon && signal is not null) ? "; interrupted before the end of its input" : ""));
        // A one-shot run cut short by a signal must not look complete to cron: 130 (SIGINT) or 143 (SIGTERM).
        return !options.Daemon && signal is not null ? Interrupted(signal) : summary.ExitCode;
    }

    static int Interrupted(PosixSignal? signal) => signal == PosixSignal.SIGINT ? 130 : 143;

    static RunSummary RunOnce(HostOptions options, ChannelContext context, CancellationToken stop, CancellationToken kill, Action<RunCounters, TimeSpan>? observer, Action<IHealthCheck?> running)
    {
        var host = new ProgramHost(options, Cli.Channels.Catalog, context) { Observer = observer };
        running(host.Component as IHealthCheck);
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
            var (name, uri) = named ? (output[..eq], output[(eq + 1)..]) : (Paths.Default, output);
            ChannelAddress.Parse(uri);
            (channels.TryGetValue(name, out var list) ? list : channels[name] = []).Add(uri);
        }
        if (!channels.ContainsKey(Paths.Default)) channels[Paths.Default] = ["stdout:"];
        return channels.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value, StringComparer.Ordinal);
    }
}
