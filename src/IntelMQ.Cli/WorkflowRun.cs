using System.Runtime.InteropServices;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Runtime.Configuration;
using IntelMQ.Runtime.Observability;

namespace IntelMQ.Cli;

/// <summary>
/// <c>intelmq workflow run [DIR]</c>: every enabled instance of a workflow in this one process, each on its own tasks
/// (one per process of <c>processes:</c>), over the channels its files name. An instance fed by others runs until its
/// producers have finished and its input is drained, then finishes its batch and stops; so a workflow of one-shot
/// collectors ends when all its input has gone through, and on SIGINT/SIGTERM the collectors and other sources stop
/// first and everything downstream drains after them.
/// </summary>
public sealed class WorkflowRun
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan FailureGrace = TimeSpan.FromSeconds(30);

    readonly List<Node> _nodes = [];
    readonly TextWriter _output;
    readonly TextWriter _log;

    WorkflowRun(TextWriter output, TextWriter log) => (_output, _log) = (output, log);

    /// <summary>Loads, checks and runs the workflow; 0 when every instance ran to its end, 1 when one failed, 2 when it was not run.</summary>
    public static int Run(WorkflowDirectory workflow, TextWriter output, TextWriter log)
    {
        workflow.Enter();
        var run = new WorkflowRun(output, log);
        var problems = new List<ConfigDiagnostic>();
        var instances = InstanceLoader.LoadDirectory(workflow.ConfigDirectory, Programs.Catalog, Channels.Catalog, problems);
        if (!problems.Any(p => !p.IsWarning)) problems.AddRange(new WorkflowGraph(instances).CheckConnections());
        foreach (var problem in problems.OrderBy(p => p.IsWarning)) log.WriteLine(problem);
        if (problems.Any(p => !p.IsWarning))
        {
            log.WriteLine($"workflow: {workflow.ConfigDirectory} not run: fix the errors above (`intelmq configtest` and `intelmq connectiontest` check them).");
            return 2;
        }
        try
        {
            run.Build(instances.Where(i => i.Enabled).ToList());
            if (run._nodes.Count == 0) throw new ConfigurationException($"{workflow.ConfigDirectory}: no enabled instance to run.");
            return run.Execute();
        }
        catch (ConfigurationException ex)
        {
            log.WriteLine($"workflow: not run: {ex.Message}");
            return 2;
        }
        finally
        {
            run.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One instance: its hosts (one per process), what feeds it, and how it ended.</summary>
    sealed class Node(InstanceConfig config)
    {
        public InstanceConfig Config { get; } = config;
        public List<RunPlan> Plans { get; } = [];
        public List<(Func<CancellationToken, CancellationToken, Task<RunSummary>> Run, IAsyncDisposable Host)> Hosts { get; } = [];
        public List<Node> Producers { get; } = [];
        public CancellationTokenSource Stop { get; } = new();

        /// <summary>The input's depth, when the instance is fed by others in the workflow.</summary>
        public IQueueDepth? Input { get; set; }

        public Task<RunSummary[]>? Run { get; set; }

        /// <summary>Each process's <c>metrics:</c> server and what it owns, as <c>intelmq run</c> serves them.</summary>
        public List<object> Served { get; } = [];
    }

    void Build(List<InstanceConfig> instances)
    {
        var graph = new WorkflowGraph(instances);
        // Not the console itself: a host draws a progress line on a terminal, and here many run at once.
        var log = TextWriter.Synchronized(_log);
        foreach (var instance in instances)
        {
            var node = new Node(instance);
            _nodes.Add(node);
            var processes = instance.Settings.GetValueOrDefault("processes") is string p && int.TryParse(p, out var n) ? n : 1;
            for (var worker = 0; worker < processes; worker++)
            {
                var plan = RunPlan.Build(instance.Program!, instance.RunValues(), worker, log);
                node.Plans.Add(plan);
            }
        }
        foreach (var node in _nodes)
        {
            node.Producers.AddRange(graph.Producers(node.Config).Where(p => p.Enabled).Select(p => _nodes.First(n => n.Config == p)).Distinct());
            foreach (var plan in node.Plans) AddHost(node, plan, log);
        }
        // Upstream first, as messages go (connectiontest has ruled out cycles).
        var stages = new Dictionary<Node, int>();
        int Stage(Node node) => stages.TryGetValue(node, out var s) ? s : stages[node] = node.Producers.Count == 0 ? 0 : 1 + node.Producers.Max(Stage);
        var ordered = _nodes.OrderBy(Stage).ThenBy(n => n.Config.Id, StringComparer.Ordinal).ToList();
        _nodes.Clear();
        _nodes.AddRange(ordered);
    }

    void AddHost(Node node, RunPlan plan, TextWriter log)
    {
        var host = plan.Host;
        var context = new ChannelContext(host.ProgramId, host.WorkerId, log);
        if (plan.Collector is not null)
        {
            var collector = new CollectorHost(plan.CollectorOptions(host), Channels.Catalog, context);
            node.Hosts.Add((collector.RunAsync, collector));
            return;
        }
        if (node.Producers.Count > 0)
        {
            if (node.Plans.Count > 1 && ChannelAddress.Parse(host.Input).Scheme != "memory" && !Channels.Catalog.IsShareable(host.Input))
                throw new ConfigurationException($"{node.Config.Id}: processes: {node.Plans.Count}: its input {host.Input} cannot be shared by several workers; use a queue (memory, sqlite, redis...).");
            node.Input ??= Channels.Catalog.OpenOutput(host.Input, context) as IQueueDepth
                ?? throw new ConfigurationException($"{node.Config.Id}: its input {host.Input} is written by {string.Join(", ", node.Producers.Select(p => p.Config.Id))}: "
                                                    + "between two programs of a workflow run, use a queue (memory:, sqlite:, redis:...), whose depth tells when it is drained.");
            // Fed by the workflow: it runs until its producers are done and its input is drained (see Execute).
            host = host with { Daemon = true };
        }
        var metrics = plan.Settings.Metrics is null ? null : new RunMetrics(host.Program.Name, host.ProgramId, host.Outputs.Keys);
        var programHost = new ProgramHost(host, Channels.Catalog, context) { Observer = metrics is null ? null : new RunObserver(metrics, null).Observe };
        node.Hosts.Add((programHost.RunAsync, programHost));
        if (metrics is null) return;
        var queues = RunCommand.QueuesOf(host, context);
        metrics.ObserveQueues(queues);
        node.Served.Add(RunCommand.StartMetrics(plan.Settings.Metrics!, host, metrics, () => programHost.Component as IHealthCheck));
        node.Served.AddRange(queues.Select(q => q.Channel));
        node.Served.Add(metrics);
    }

    int Execute()
    {
        using var stop = new CancellationTokenSource();
        using var kill = new CancellationTokenSource();
        PosixSignal? signal = null;
        // First signal: the sources stop and the rest drains; second: every batch in hand is left unacknowledged.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            signal ??= context.Signal;
            if (stop.IsCancellationRequested) kill.Cancel();
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        foreach (var node in _nodes)
            node.Run = Task.Run(() => Task.WhenAll(node.Hosts.Select(h => h.Run(node.Stop.Token, kill.Token))));
        _log.WriteLine($"workflow: {_nodes.Count} instance{(_nodes.Count == 1 ? "" : "s")} running ({string.Join(", ", _nodes.Select(n => n.Config.Id))}).");
        DateTime? failedAt = null;
        while (!_nodes.All(n => n.Run!.IsCompleted))
        {
            if (stop.IsCancellationRequested)
                foreach (var node in _nodes.Where(n => n.Producers.Count == 0)) node.Stop.Cancel();
            if (failedAt is null && _nodes.FirstOrDefault(n => n.Run!.IsFaulted) is { } failed)
            {
                // Its producers would wait for it forever: everything stops, and what is left in memory queues is counted below.
                failedAt = DateTime.UtcNow;
                _log.WriteLine($"workflow: {failed.Config.Id} failed: {Reason(failed.Run!.Exception!)}; stopping the workflow.");
                foreach (var node in _nodes) node.Stop.Cancel();
            }
            if (DateTime.UtcNow - failedAt > FailureGrace) kill.Cancel();
            foreach (var node in _nodes.Where(n => n.Input is not null && !n.Stop.IsCancellationRequested))
                if (node.Producers.All(p => p.Run!.IsCompleted) && node.Input!.DepthAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().Depth == 0)
                    node.Stop.Cancel();
            Task.WaitAny([.. _nodes.Select(n => (Task)n.Run!)], Poll);
        }
        return Report(kill.IsCancellationRequested ? signal : null);
    }

    int Report(PosixSignal? killed)
    {
        _output.WriteLine($"{"instance",-28} {"program",-24} {"received",8} {"events",8} {"sent",8} {"dumped",7}  state");
        var failures = 0;
        foreach (var node in _nodes)
        {
            var run = node.Run!;
            var summaries = run.IsCompletedSuccessfully ? run.Result : [];
            var state = "done";
            if (!run.IsCompletedSuccessfully)
            {
                failures++;
                state = "failed: " + Reason(run.Exception!);
            }
            _output.WriteLine($"{node.Config.Id,-28} {node.Config.Program!.Name,-24} {summaries.Sum(s => s.Messages),8} {summaries.Sum(s => s.EventsReceived),8} {summaries.Sum(s => s.Events),8} {summaries.Sum(s => s.Dumped),7}  {state}");
        }
        foreach (var dump in _nodes.SelectMany(n => n.Run!.IsCompletedSuccessfully ? n.Run.Result : []).Where(s => s.Dumped > 0).Select(s => s.DumpPath).Distinct())
            _output.WriteLine($"failures dumped to {dump} (`intelmq dump` shows and replays them)");
        foreach (var node in _nodes.Where(n => n.Input is not null))
        {
            var left = node.Input!.DepthAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().Depth;
            if (left > 0)
                _output.WriteLine($"{left} message{(left == 1 ? "" : "s")} left in {node.Plans[0].Host.Input}"
                                  + (ChannelAddress.Parse(node.Plans[0].Host.Input).Scheme == "memory" ? ": an in-memory queue, lost with this process" : ", read by the next run"));
        }
        return failures > 0 ? 1 : killed == PosixSignal.SIGINT ? 130 : killed is not null ? 143 : 0;
    }

    static string Reason(Exception ex) => (ex is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : ex).Message;

    async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            foreach (var (_, host) in node.Hosts) await host.DisposeAsync();
            foreach (var served in node.Served)
                if (served is IAsyncDisposable owned) await owned.DisposeAsync();
                else (served as IDisposable)?.Dispose();
            if (node.Input is IAsyncDisposable input) await input.DisposeAsync();
            foreach (var plan in node.Plans) plan.Dispose();
            node.Stop.Dispose();
        }
    }
}
