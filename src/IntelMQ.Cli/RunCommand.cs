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
    static readonly Option<bool> Supervised = new("--supervised") { Description = "Run under a supervisor that restarts the program when it dies, even with one process (`intelmq start`).", Hidden = true };
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
            ProgramArg, Config, Set, WorkerId, Supervised,
        };
        foreach (var flag in Flags.Values) command.Options.Add(flag);
        command.SetAction(Execute);
        return command;
    }

    static int Execute(ParseResult parse)
    {
        var name = parse.GetValue(ProgramArg)!;
        var workerId = parse.GetValue(WorkerId);
        // Read again on SIGHUP: the configured instance's file may have changed.
        RunPlan Plan()
        {
            var values = ConfigValues.Collect(parse.GetValue(Config), parse.GetValue(Set) ?? []);
            // A configured instance (config.d/ID.yaml) brings its program and values; --config, --set and the flags win.
            var program = InstanceRun.Apply(name, values) ?? Programs.Catalog.Resolve(name);
            foreach (var key in values.Keys)
                if (OptionBinder.Find(Declared, key) is { Attribute.CommandLineOnly: true } flagOnly)
                    throw new ConfigurationException($"'{key}' is a command-line flag (--{flagOnly.Name.Replace('_', '-')}), not a configuration key.");
            // The command line wins over --set and the file.
            foreach (var (option, flag) in Flags)
                if (parse.GetResult(flag) is { Implicit: false } given) values[option.Name] = given.GetValueOrDefault<object?>();
            return RunPlan.Build(program, values, workerId, Console.Error);
        }
        using var plan = Plan();
        var (program, settings, options, context) = (plan.Program, plan.Settings, plan.Host.Options, plan.Host.Context);
        if (settings.SelfUpdateDb) return DataUpdate.Run(program, options, context, Console.Error);
        if (settings.SelfTest) return SelfTest(program, options, context);
        if (parse.GetResult(WorkerId) is { Implicit: false }) Supervisor.StopWithSupervisor();
        if (plan.Ignored.Count > 0 && workerId == 0)
            foreach (var key in plan.Ignored)
                Console.Error.WriteLine($"{program.Name}: warning: IntelMQ parameter '{key}' is not implemented; use {OptionBinder.IntelMQParametersNotImplemented[key]}.");
        if (plan.Collector is not null && (settings.Processes > 1 || settings.Raw || plan.Host.Input != "stdin:"))
            throw new ConfigurationException($"{program.Name} is a collector: it fetches its reports itself, so --input, --raw and --processes do not apply.");
        if (settings.Processes > 1 || parse.GetValue(Supervised))
        {
            if (settings.Processes > 1 && (settings.Raw || !Cli.Channels.Catalog.IsShareable(plan.Host.Input)))
                throw new ConfigurationException($"--processes {settings.Processes}: the input {(settings.Raw ? "--raw" : plan.Host.Input)} cannot be shared by several workers (each would read all of it); "
                                                 + "use a queue (redis, redis-stream, amqp, kafka, pulsar, sqlite) or --processes 1.");
            // The options are checked here once, so that a refused configuration is one message, not workers restarted in a loop.
            plan.Check();
            return Supervisor.Run(settings.Processes, plan.Host.ProgramId, Console.Error);
        }
        return Run(plan, Plan);
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

    static RunSummary RunCollectorOnce(CollectorHostOptions options, HostOptions host, CancellationToken stop, CancellationToken kill)
    {
        var collector = new CollectorHost(options, Cli.Channels.Catalog, new ChannelContext(host.ProgramId, 0, Console.Error));
        try { return collector.RunAsync(stop, kill).GetAwaiter().GetResult(); }
        finally { collector.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>The run settings among the values (removed from them), with IntelMQ's error handling keys translated.</summary>
    internal static RunOptions BindRunOptions(Dictionary<string, object?> values)
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

    /// <summary>
    /// Runs the plan until its input ends or a signal stops it. SIGHUP: the current batch is finished and acknowledged,
    /// the configuration read again (<paramref name="reload"/>) and the program rebuilt from it; a configuration that is
    /// refused leaves the previous one running. The metrics address and --processes stay as they were at the start.
    /// </summary>
    static int Run(RunPlan first, Func<RunPlan> reload)
    {
        using var stop = new CancellationTokenSource();
        using var kill = new CancellationTokenSource();
        PosixSignal? signal = null;
        CancellationTokenSource? generation = null;
        var reloading = 0;
        // First signal: finish and acknowledge the current batch; second: leave it unacknowledged for redelivery.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            signal ??= context.Signal;
            if (stop.IsCancellationRequested) kill.Cancel();
            stop.Cancel();
        }
        void OnHangup(PosixSignalContext context)
        {
            context.Cancel = true;
            Interlocked.Exchange(ref reloading, 1);
            try { Volatile.Read(ref generation)?.Cancel(); }
            catch (ObjectDisposedException) { } // between two generations: the flag is seen by the next one
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);
        var (options, settings) = (first.Host, first.Settings);
        var context = new ChannelContext(options.ProgramId, options.WorkerId, Console.Error);
        using var metrics = settings.Metrics is null ? null : new RunMetrics(options.Program.Name, options.ProgramId, options.Outputs.Keys);
        var statistics = settings.IntelmqStatistics is { } redis ? IntelMQStatistics.Open(redis, options.Outputs.Keys, context) : null;
        IHealthCheck? health = null;
        var server = metrics is null ? null : StartMetrics(settings.Metrics!, options, metrics, () => health);
        var queues = metrics is null ? [] : QueuesOf(options, context);
        metrics?.ObserveQueues(queues);
        var plan = first;
        // `intelmq start` waits for this line: from here on the signals are handled.
        if (options.Daemon) Console.Error.WriteLine($"{options.ProgramId}: running (pid {Environment.ProcessId}); SIGTERM stops it, SIGHUP reloads its configuration.");
        try
        {
            while (true)
            {
                var host = plan.Host;
                // The host counts from zero again: a new observer, so that the counters only ever add.
                var observer = new RunObserver(metrics, statistics);
                Func<CancellationToken, CancellationToken, RunSummary> runOnce = plan.Collector is not null
                    ? (stop, kill) => RunCollectorOnce(plan.CollectorOptions(host), host, stop, kill)
                    : (stop, kill) => RunOnce(host, context, stop, kill, metrics is null && statistics is null ? null : observer.Observe, check => health = check);
                using var current = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                Volatile.Write(ref generation, current);
                if (Volatile.Read(ref reloading) == 1) current.Cancel();
                var exit = Run(host, runOnce, current, kill, () => signal, () => metrics?.Retried(1));
                Volatile.Write(ref generation, null);
                if (stop.IsCancellationRequested || Interlocked.Exchange(ref reloading, 0) == 0) return exit;
                plan = Reload(plan, first, reload);
            }
        }
        finally
        {
            if (plan != first) plan.Dispose();
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            foreach (var (_, queue) in queues) (queue as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            statistics?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // The queues the program reads and writes, for intelmq_queue_depth (`intelmq status`); one that cannot be opened is left out.
    internal static List<(string Queue, IQueueDepth Channel)> QueuesOf(HostOptions options, ChannelContext context)
    {
        var queues = new List<(string, IQueueDepth)>();
        foreach (var uri in options.Outputs.Values.SelectMany(u => u).Prepend(options.Input).Distinct())
        {
            if (ChannelAddress.Parse(uri).Scheme is "stdin" or "stdout" or "file" or "pipe") continue;
            try
            {
                var channel = Cli.Channels.Catalog.OpenOutput(uri, context);
                if (channel is IQueueDepth depth) queues.Add((channel.Name, depth));
                else channel.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"{options.ProgramId}: the depth of {ChannelAddress.Parse(uri)} is not in the metrics: {ex.Message}");
            }
        }
        return queues;
    }

    static RunPlan Reload(RunPlan running, RunPlan first, Func<RunPlan> reload)
    {
        var id = running.Host.ProgramId;
        RunPlan? next = null;
        try
        {
            next = reload();
            if (next.Host.ProgramId != id || next.Program != running.Program)
                throw new ConfigurationException($"the reloaded configuration runs {next.Program.Name} as {next.Host.ProgramId}; a reload keeps the program and the id (restart to change them).");
            next.Check();
        }
        catch (Exception ex) when (ex is ConfigurationException or IOException)
        {
            next?.Dispose();
            Console.Error.WriteLine($"{id}: reload refused, still running the previous configuration: {ex.Message}");
            return running;
        }
        if (running != first) running.Dispose();
        Console.Error.WriteLine($"{id}: configuration reloaded.");
        return next;
    }

    // Under --processes each worker serves on the next port (worker 0 on the given one), so that every worker is scraped.
    internal static MetricsServer StartMetrics(string address, HostOptions options, RunMetrics metrics, Func<IHealthCheck?> health)
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
}
