using System.CommandLine;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq connectiontest [--live]</c>: the workflow's graph is whole; with --live, its servers answer.</summary>
public static class ConnectiontestCommand
{
    static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var dir = WorkflowDirectory.DirOption();
        var live = new Option<bool>("--live") { Description = "Also connect to every channel and run each program's health check (its database, its API), and report what is unreachable." };
        var command = new Command("connectiontest", "Check the workflow's graph: every output is read, every input written (or fed by a collector), no cycles, the same transport at both ends of a channel. Exit 0 or 1.") { dir, live };
        command.SetAction(parse =>
        {
            var directory = WorkflowDirectory.Entered(parse, dir);
            var problems = new List<ConfigDiagnostic>();
            var instances = InstanceLoader.LoadDirectory(directory, Programs.Catalog, Channels.Catalog, problems);
            // The files' own warnings are configtest's to show.
            problems.RemoveAll(p => p.IsWarning);
            problems.AddRange(new WorkflowGraph(instances).CheckConnections());
            if (parse.GetValue(live) && !problems.Any(p => !p.IsWarning))
                foreach (var instance in instances.Where(i => i.Enabled && i.Program is not null))
                    problems.AddRange(Live(instance));
            return ConfigtestCommand.Report("connectiontest", directory, instances.Count, problems);
        });
        return command;
    }

    static IEnumerable<ConfigDiagnostic> Live(InstanceConfig instance)
    {
        var problems = new List<ConfigDiagnostic>();
        var context = new ChannelContext(instance.Id, 0, TextWriter.Null);
        void Try(string what, int line, Func<CancellationToken, ValueTask> check)
        {
            using var timeout = new CancellationTokenSource(LiveTimeout);
            try { check(timeout.Token).AsTask().WaitAsync(LiveTimeout).GetAwaiter().GetResult(); }
            catch (Exception ex) { problems.Add(new(instance.File, line, $"{instance.Id}: {what}: {(ex is TimeoutException or OperationCanceledException ? $"no answer in {LiveTimeout.TotalSeconds:0} s" : ex.Message)}")); }
        }
        // Files, pipes and in-process queues are made when used; opening a pipe would wait for its writer.
        static bool Connects(string uri) => ChannelAddress.Parse(uri).Scheme is not ("stdin" or "stdout" or "file" or "pipe" or "memory");
        if (instance.Input is { } input && Connects(input))
            Try($"cannot reach its input {ChannelAddress.Parse(input)}", instance.LineOf("input"), _ => Channels.Catalog.OpenInput(input, context).DisposeAsync());
        foreach (var (path, uris) in instance.Outputs)
            foreach (var uri in uris.Where(Connects))
                Try($"cannot reach its output {ChannelAddress.Parse(uri)}", instance.LineOf("output"), async token =>
                {
                    await using var output = Channels.Catalog.OpenOutput(uri, context);
                    if (output is IQueueDepth depth) await depth.DepthAsync(token);
                });
        var program = instance.Program!;
        Try($"{program.Name}'s health check failed", instance.LineOf("options"), async token =>
        {
            var values = new Dictionary<string, object?>(instance.Options, StringComparer.Ordinal);
            if (program.Kind == ProgramKind.Collector) CollectorSettings.Take(values);
            var component = program.Create(OptionBinder.Bind(program, values), Installation.ContextFor(program, instance.Id));
            try
            {
                if (component is IHealthCheck health) await health.CheckAsync(token);
            }
            finally
            {
                if (component is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
                else (component as IDisposable)?.Dispose();
            }
        });
        return problems;
    }
}
