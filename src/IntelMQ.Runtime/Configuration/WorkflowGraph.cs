using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime.Configuration;

/// <summary>
/// The workflow a configuration directory describes: instances joined where one writes to the channel another reads
/// (the same transport, server and queue). Checks that it is whole (<c>connectiontest</c>) and that what each program
/// reads is written upstream (<c>fieldcheck</c>).
/// </summary>
public sealed class WorkflowGraph
{
    // A report carries these besides what its collector declares (the raw body, the feed, the observation time).
    static readonly string[] ReportFields = ["event.original", "feed.*", DhoMapping.ToIdf("time.observation")!];

    readonly IReadOnlyList<InstanceConfig> _instances;
    readonly Dictionary<InstanceConfig, List<(string Path, string Uri, Channel Channel)>> _outputs = [];
    readonly Dictionary<InstanceConfig, (string Uri, Channel Channel)> _inputs = [];

    /// <summary>A channel's identity: transport, server and queue; <see cref="Name"/> is the same without the transport.</summary>
    sealed record Channel(string Scheme, string Name)
    {
        // Files and pipes may be written or read by something outside the workflow; queues only connect programs.
        public bool IsQueue => Scheme is not ("file" or "pipe");
    }

    public WorkflowGraph(IReadOnlyList<InstanceConfig> instances)
    {
        _instances = instances;
        foreach (var instance in instances)
        {
            if (instance.Input is { } input && Identify(input) is { } channel) _inputs[instance] = (input, channel);
            _outputs[instance] = [.. instance.Outputs.SelectMany(p => p.Value.Select(uri => (p.Key, uri, Identify(uri)))).Where(o => o.Item3 is not null).Select(o => (o.Key, o.uri, o.Item3!))];
        }
    }

    static Channel? Identify(string uri)
    {
        ChannelAddress address;
        try { address = ChannelAddress.Parse(uri); }
        catch (ConfigurationException) { return null; }
        if (address.Scheme is "stdin" or "stdout") return null;
        var rest = address.Rest;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            // The same server however it is written: no credentials, localhost as 127.0.0.1, Redis's default port.
            var at = rest.IndexOf('@');
            var slash = rest.IndexOf('/', 2);
            var host = rest[(at > 0 && (slash < 0 || at < slash) ? at + 1 : 2)..(slash < 0 ? rest.Length : slash)].ToLowerInvariant().Replace("localhost", "127.0.0.1");
            if (address.Scheme is "redis" or "redis-stream" && !host.Contains(':')) host += ":6379";
            rest = "//" + host + (slash < 0 ? "" : rest[slash..].TrimEnd('/'));
        }
        var queue = address.Get("queue") ?? address.Get("stream") ?? address.Get("topic");
        return new Channel(address.Scheme, queue is null ? rest : $"{rest}?{queue}");
    }

    /// <summary>The instances that write to <paramref name="instance"/>'s input.</summary>
    public IEnumerable<InstanceConfig> Producers(InstanceConfig instance) =>
        _inputs.TryGetValue(instance, out var input) ? _instances.Where(i => _outputs[i].Any(o => o.Channel == input.Channel)) : [];

    IEnumerable<InstanceConfig> Consumers(InstanceConfig instance) =>
        _instances.Where(i => _inputs.TryGetValue(i, out var input) && _outputs[instance].Any(o => o.Channel == input.Channel)).Distinct();

    /// <summary><c>connectiontest</c>: every output read, every input written (or fed from outside: a file), no cycle, the same transport at both ends.</summary>
    public List<ConfigDiagnostic> CheckConnections()
    {
        var problems = new List<ConfigDiagnostic>();
        var readQueues = _inputs.Values.Select(i => i.Channel).ToList();
        var writtenQueues = _outputs.Values.SelectMany(o => o.Select(x => x.Channel)).ToList();
        foreach (var instance in _instances)
        {
            var kind = instance.Kind;
            if (kind is not null && kind != ProgramKind.Collector && instance.Input is null)
                problems.Add(new(instance.File, instance.LineOf("program"), $"{instance.Id} reads standard input, which nothing in the workflow writes: add `input:` with the channel its upstream writes to, e.g. 'redis://localhost:6379/2?queue={instance.Id}-queue'.", IsWarning: instance.RunMode == RunMode.Once));
            if (kind is not null && kind != ProgramKind.Output && instance.Outputs.Count == 0)
                problems.Add(new(instance.File, instance.LineOf("program"), $"{instance.Id} writes to standard output, which nothing in the workflow reads: add `output:` with the channel its downstream reads."));
            foreach (var (path, uri, channel) in _outputs[instance])
            {
                if (readQueues.Contains(channel)) continue;
                var line = instance.Lines.TryGetValue("output." + path, out var l) ? l : instance.LineOf("output");
                if (readQueues.FirstOrDefault(q => q.Name == channel.Name) is { } other)
                    problems.Add(new(instance.File, line, $"{instance.Id} writes to {Show(uri)} over {channel.Scheme}, but its reader reads it over {other.Scheme}: both ends of a channel must use the same transport."));
                else if (channel.IsQueue)
                    problems.Add(new(instance.File, line, $"{instance.Id}'s output path '{path}' goes to {Show(uri)}, which no instance reads: "
                                                         + (Closest(channel, readQueues) is { } hint ? $"did you mean {hint}? " : "")
                                                         + "correct the queue name, or add an instance with this `input:`."));
                else
                    problems.Add(new(instance.File, line, $"nothing in the workflow reads {Show(uri)} ({instance.Id}'s path '{path}'); fine when something outside it does.", IsWarning: true));
            }
            if (_inputs.TryGetValue(instance, out var input) && !writtenQueues.Contains(input.Channel) && input.Channel.IsQueue && kind != ProgramKind.Collector)
            {
                var hint = writtenQueues.FirstOrDefault(q => q.Name == input.Channel.Name) is { } other
                    ? $"an instance writes to it over {other.Scheme}, but {instance.Id} reads over {input.Channel.Scheme}: both ends must use the same transport."
                    : (Closest(input.Channel, writtenQueues) is { } near ? $"did you mean {near}? " : "") + "add it to the `output:` of the instance before it, or correct the queue name.";
                problems.Add(new(instance.File, instance.LineOf("input"), $"nothing writes to {instance.Id}'s input {Show(input.Uri)}: {hint}"));
            }
            if (instance.Program is { } program && instance.Outputs.Count > 0)
                foreach (var path in program.Declaration.Paths.Where(p => !instance.Outputs.ContainsKey(p)))
                    problems.Add(new(instance.File, instance.LineOf("output"), $"{instance.Id} emits to the path '{path}', which has no output: its events go to the dump; add `{path}: URI` under `output:`.", IsWarning: true));
        }
        foreach (var cycle in Cycles())
            problems.Add(new(cycle[0].File, cycle[0].LineOf("output"), $"a cycle: {string.Join(" → ", cycle.Select(i => i.Id))} → {cycle[0].Id}: events would go round for ever; point one of these outputs elsewhere."));
        return problems;
    }

    static string Show(string uri) => ChannelAddress.Parse(uri).ToString();

    static string? Closest(Channel channel, IEnumerable<Channel> known) =>
        OptionBinder.Suggest(channel.Name, known.Where(k => k.Scheme == channel.Scheme).Select(k => k.Name).Distinct()) is { } name ? $"{channel.Scheme}:{name}" : null;

    /// <summary>Each cycle once, as the instances along it.</summary>
    List<List<InstanceConfig>> Cycles()
    {
        var cycles = new List<List<InstanceConfig>>();
        var done = new HashSet<InstanceConfig>();
        var stack = new List<InstanceConfig>();
        void Visit(InstanceConfig node)
        {
            if (stack.IndexOf(node) is var at && at >= 0)
            {
                cycles.Add(stack[at..]);
                return;
            }
            if (!done.Add(node)) return;
            stack.Add(node);
            foreach (var next in Consumers(node)) Visit(next);
            stack.RemoveAt(stack.Count - 1);
        }
        foreach (var instance in _instances) Visit(instance);
        return cycles;
    }

    /// <summary>
    /// <c>fieldcheck</c>: every program finds, written upstream, the fields it reads (an error when it finds none of
    /// them: it would do nothing), and a parser is fed reports by collectors.
    /// </summary>
    public List<ConfigDiagnostic> CheckFields()
    {
        var problems = new List<ConfigDiagnostic>();
        foreach (var instance in _instances)
        {
            if (instance.Program is not { } program) continue;
            var upstream = Upstream(instance);
            if (upstream.Count == 0) continue;
            if (program.Kind == ProgramKind.Parser)
                foreach (var producer in Producers(instance).Where(p => p.Kind is not (null or ProgramKind.Collector)))
                    problems.Add(new(instance.File, instance.LineOf("input"), $"{instance.Id} is a parser: it reads reports, but {producer.Id} ({producer.Program!.Name}) writes events to its input; feed it from a collector."));
            var written = upstream.Where(u => u.Program is not null).SelectMany(u => u.Program!.Declaration.FieldsWritten.Concat(u.Kind == ProgramKind.Collector ? ReportFields : [])).ToList();
            // A program upstream that this build does not have could write anything.
            if (upstream.Any(u => u.Program is null)) continue;
            var reads = program.Declaration.FieldsRead;
            if (reads.Length == 0 || reads.Contains("*")) continue;
            var missing = reads.Where(f => !written.Any(w => Covers(w, f) || Covers(f, w))).ToList();
            if (missing.Count == 0) continue;
            var path = string.Join(" → ", PathTo(instance).Select(i => $"{i.Id} ({i.Program?.Name})"));
            if (missing.Count == reads.Length)
                problems.Add(new(instance.File, instance.LineOf("input"), $"{instance.Id} ({program.Name}) reads {string.Join(", ", reads)}, and no program on its path {path} writes any of them: it would do nothing. Put a program that writes them before it (`intelmq help PROGRAM` lists what each writes), or correct its input."));
            else
                problems.Add(new(instance.File, instance.LineOf("input"), $"{instance.Id} ({program.Name}) reads {string.Join(", ", missing)}, which no program on its path {path} writes.", IsWarning: true));
        }
        return problems;
    }

    // source.* covers source.ip; * covers everything.
    static bool Covers(string pattern, string field) =>
        pattern == field || pattern == "*" || pattern.EndsWith(".*", StringComparison.Ordinal) && field.StartsWith(pattern[..^1], StringComparison.Ordinal);

    HashSet<InstanceConfig> Upstream(InstanceConfig instance)
    {
        var seen = new HashSet<InstanceConfig>();
        var queue = new Queue<InstanceConfig>(Producers(instance));
        while (queue.TryDequeue(out var next))
            if (next != instance && seen.Add(next))
                foreach (var p in Producers(next)) queue.Enqueue(p);
        return seen;
    }

    /// <summary>One path from a source to the instance, for messages.</summary>
    List<InstanceConfig> PathTo(InstanceConfig instance)
    {
        var path = new List<InstanceConfig> { instance };
        for (var at = instance; Producers(at).FirstOrDefault(p => !path.Contains(p)) is { } before; at = before) path.Insert(0, before);
        return path;
    }
}
