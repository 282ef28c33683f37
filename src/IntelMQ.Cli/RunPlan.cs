using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Runtime.Observability;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Cli;

/// <summary>
/// What <c>intelmq run</c> makes of its values (a configured instance, --config, --set, flags): the run settings and
/// how the host runs the program. Built again on SIGHUP, and once per instance by <c>intelmq workflow run</c>.
/// </summary>
public sealed class RunPlan : IDisposable
{
    RunPlan(ProgramInfo program, RunOptions settings, HostOptions host, CollectorSettings? collector, IReadOnlyList<string> ignored, ILoggerFactory logs)
    {
        Program = program;
        Settings = settings;
        Host = host;
        Collector = collector;
        Ignored = ignored;
        Logs = logs;
    }

    public ProgramInfo Program { get; }
    public RunOptions Settings { get; }
    public HostOptions Host { get; }

    /// <summary>A collector's schedule, report size and feed; null for the other programs.</summary>
    public CollectorSettings? Collector { get; }

    /// <summary>IntelMQ parameters given but not implemented.</summary>
    public IReadOnlyList<string> Ignored { get; }

    public ILoggerFactory Logs { get; }

    /// <summary>Binds <paramref name="values"/> (consumed) for <paramref name="program"/>; the program's log goes to <paramref name="log"/>.</summary>
    /// <exception cref="ConfigurationException">A value is unknown, of the wrong type or out of range.</exception>
    public static RunPlan Build(ProgramInfo program, Dictionary<string, object?> values, int workerId, TextWriter log)
    {
        var settings = RunCommand.BindRunOptions(values);
        var collector = program.Kind == ProgramKind.Collector ? CollectorSettings.Take(values) : null;
        var ignored = new List<string>();
        var options = OptionBinder.Bind(program, values, ignored);
        if (settings.Raw && program.Kind != ProgramKind.Parser)
            throw new ConfigurationException($"--raw is for parsers; {program.Name} is {program.Kind.ToString().ToLowerInvariant()}.");
        if (settings.OutFormat == MessageFormat.Auto) throw new ConfigurationException("out_format must be idf, ndjson or dho.");
        var id = settings.Id ?? program.Name;
        var logs = ProgramLog.Create(program.Name, id, (LogLevel)((int)settings.LogLevel + 1), settings.LogFormat, log, Clock.Provider);
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
            Context = Installation.ContextFor(program, id) with { Log = logs.CreateLogger(program.Name), Daemon = settings.Daemon, Processes = settings.Processes },
        };
        return new RunPlan(program, settings, host, collector, ignored, logs);
    }

    /// <summary>How the collector host runs this plan's collector (<see cref="Collector"/> is not null).</summary>
    public CollectorHostOptions CollectorOptions(HostOptions host) => new()
    {
        Program = host.Program,
        Options = host.Options,
        Context = host.Context,
        Outputs = host.Outputs,
        OutFormat = host.OutFormat,
        DumpPath = host.DumpPath,
        StatePath = StateStore.PathFor(host.ProgramId),
        Schedule = host.Daemon ? Collector!.Schedule : null,
        MaxReportSize = Collector!.MaxReportSize,
        Feed = Collector.Feed,
    };

    /// <summary>Creates the program once and disposes of it, so that options it refuses are found before anything runs.</summary>
    /// <exception cref="ConfigurationException">The program refuses its options.</exception>
    public void Check() => (Program.Create(Host.Options, Host.Context) as IDisposable)?.Dispose();

    public void Dispose() => Logs.Dispose();

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
