using IntelMQ.Runtime.Channels;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// Runs a program between channels: receive a batch and pass it through the pipeline — observe, acknowledge, send,
/// decode, the component — so that a batch is acknowledged only after everything it produced is confirmed downstream
/// (at-least-once). A bad message goes to the dump and the run goes on; a destination that is down is retried until it
/// works or the program is stopped, and the batch stays unacknowledged.
/// </summary>
public sealed class ProgramHost : IAsyncDisposable
{
    readonly HostOptions _host;
    readonly ChannelCatalog _catalog;
    readonly ChannelContext _context;
    readonly TextWriter _console;
    readonly object _component;
    readonly DumpWriter _dump;
    readonly bool _progress;
    Router? _router;
    IInputChannel? _input;
    long _nextProgress;

    /// <exception cref="ConfigurationException">The program refused its options, or an output path is one it never emits.</exception>
    public ProgramHost(HostOptions host, ChannelCatalog catalog, ChannelContext context)
    {
        _host = host;
        _catalog = catalog;
        _context = context;
        _console = context.Log;
        _progress = _console == Console.Error && !Console.IsErrorRedirected && !host.Daemon;
        _component = host.Program.Create(host.Options, host.Context with { ConnectedPaths = host.Outputs.Keys.ToHashSet() });
        CheckPaths(host, _component);
        _dump = new DumpWriter(host.DumpPath, host.ProgramId);
    }

    /// <summary>The program instance the host runs.</summary>
    public object Component => _component;

    /// <summary>Called after every batch with what the run did so far and how long the batch took (metrics).</summary>
    public Action<RunCounters, TimeSpan>? Observer { get; init; }

    // A path name the program never emits is a typo (`_defualt=`) that would send nothing anywhere.
    static void CheckPaths(HostOptions host, object component)
    {
        var known = host.Program.Declaration.Paths.Prepend(Paths.Default).Concat(host.DropPath is { } drop ? [drop] : [])
            .Concat(component is IDeclaresPaths configured ? configured.DeclaredPaths : []).ToList();
        foreach (var path in host.Outputs.Keys.Where(p => !known.Contains(p)))
        {
            var hint = OptionBinder.Suggest(path, known);
            throw new ConfigurationException($"--output {path}=...: {host.Program.Name} never emits to a path named '{path}'."
                                             + (hint is null ? "" : $" Did you mean '{hint}'?") + $" Its paths: {string.Join(", ", known)}.");
        }
    }

    /// <summary>Runs until the input is exhausted (one-shot), <see cref="HostOptions.StopAfter"/> messages, or <paramref name="stop"/>.</summary>
    /// <param name="stop">Finish the current batch, acknowledge it, and return.</param>
    /// <param name="kill">Abandon the current batch unacknowledged (it will be redelivered).</param>
    public async Task<RunSummary> RunAsync(CancellationToken stop, CancellationToken kill)
    {
        _router = _host.Program.Kind == ProgramKind.Output ? new Router() : await Router.OpenAsync(_host, _catalog, _context);
        var run = new RunState(_host, _component, _dump, _router, _host.Context.Log) { Hard = kill };
        var failures = new Failures(run);
        var interrupted = false;
        if (_host.Raw) interrupted = await new RawRun(run, failures, _context.StandardInput, _context.StandardInputName, stop, Observe).RunAsync();
        else
        {
            _input = _catalog.OpenInput(_host.Input, _context);
            run.InputName = _input.Name;
            var step = new Pipeline()
                .Use(new ObserveStage(run, Observe))
                .Use(new AcknowledgeStage(_input, run))
                .Use(new SendStage(run, failures))
                .Use(new DecodeStage(run))
                .Build(Stage(run, failures));
            await ReceiveAsync(run, step, _input is not StreamInputChannel { Follows: false }, stop);
        }
        if (_progress) _console.Write("\r\x1b[K");
        var counters = run.Counters;
        return new RunSummary(counters.Messages, counters.SentByPath, counters.Dumped, _dump.Path) { Dropped = counters.Dropped, Interrupted = interrupted, EventsReceived = counters.EventsReceived };
    }

    IBatchStage Stage(RunState run, Failures failures) => _component switch
    {
        IParser or IStreamParser => new ParserStage(run, failures),
        IExpert => new ExpertStage(run, failures),
        IAsyncExpert => new AsyncExpertStage(run, failures),
        IOutput => new OutputStage(run, failures),
        _ => throw new ConfigurationException($"{_host.Program.Name} cannot process messages: it is a {_host.Program.Kind.ToString().ToLowerInvariant()}."),
    };

    /// <param name="queue">
    /// The input is a queue: in a one-shot run, nothing arriving for a while means it is drained. A stream (stdin, a
    /// file, a pipe) ends only at its end; it may pause.
    /// </param>
    async Task ReceiveAsync(RunState run, BatchStep step, bool queue, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var max = _host.StopAfter is { } limit ? (int)Math.Min(_host.BatchSize, limit - run.Counters.Messages) : _host.BatchSize;
            if (max <= 0) break;
            IReadOnlyList<Delivery>? deliveries;
            try
            {
                deliveries = await _input!.ReceiveAsync(max, _host.Daemon ? TimeSpan.FromSeconds(1) : _host.IdleWait, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            if (deliveries is null) break;
            if (deliveries.Count == 0)
            {
                if (!_host.Daemon && queue) break;
                continue;
            }
            if (deliveries.Count < max && _host.Linger > TimeSpan.Zero) deliveries = await LingerAsync(deliveries, max, !_host.Daemon && queue, stop);
            await step(new Batch(deliveries));
        }
    }

    // Fewer, larger batches: keep receiving for the linger time, so a trickle of messages is not sent one round trip each.
    // A one-shot run over a queue stops lingering once the queue is drained: the whole queue is then one batch (one
    // mail per recipient from a mail output run by cron), and waiting longer would only delay the run's end.
    async Task<IReadOnlyList<Delivery>> LingerAsync(IReadOnlyList<Delivery> first, int max, bool untilDrained, CancellationToken stop)
    {
        var batch = new List<Delivery>(first);
        var deadline = DateTime.UtcNow + _host.Linger;
        while (batch.Count < max && DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
        {
            var wait = deadline - DateTime.UtcNow;
            if (untilDrained && wait > _host.IdleWait) wait = _host.IdleWait;
            IReadOnlyList<Delivery>? more;
            try { more = await _input!.ReceiveAsync(max - batch.Count, wait, stop); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            if (more is null || more.Count == 0 && untilDrained) break;
            batch.AddRange(more);
        }
        return batch;
    }

    void Observe(RunCounters counters, TimeSpan duration)
    {
        Observer?.Invoke(counters, duration);
        if (!_progress || Environment.TickCount64 < _nextProgress) return;
        _nextProgress = Environment.TickCount64 + 1000;
        _console.Write($"\r\x1b[K{_host.ProgramId}: {counters.Messages} messages, {counters.Sent} events, {counters.Dumped} dumped");
    }

    public async ValueTask DisposeAsync()
    {
        if (_input is not null) await _input.DisposeAsync();
        if (_router is not null) await _router.DisposeAsync();
        if (_component is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
        else (_component as IDisposable)?.Dispose();
        _dump.Dispose();
    }
}

/// <summary>The program stopped on purpose (<c>on_error: stop</c>, a reader that left); its current batch stays unacknowledged.</summary>
public sealed class ProgramStoppedException(string message, Exception inner) : Exception(message, inner);
