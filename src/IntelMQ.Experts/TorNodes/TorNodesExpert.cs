using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.TorNodes;

/// <summary>Flags addresses that are Tor exit nodes, as IntelMQ's tor_nodes expert does.</summary>
[Program("tor-nodes-expert", ProgramKind.Expert, "Sets source.tor_node / destination.tor_node to true for addresses in a local list of Tor exit nodes.",
    Modules = ["intelmq.bots.experts.tor_nodes.expert"],
    Options = typeof(TorNodesExpertOptions),
    ReferenceData = typeof(TorNodeListUpdater),
    Description = """
        An address found in the list gets tor_node=true; other addresses are left alone (no false is written). A
        flag the event already has is kept unless overwrite=true. The list is read once at start; `--self-update-db`
        downloads it again (the Tor Project's bulk exit list by default), checks it and swaps it in.
        """,
    FieldsRead = ["source.ip", "destination.ip"],
    FieldsWritten = ["source.tor_node", "destination.tor_node"],
    Examples = ["intelmq run tor-nodes-expert --set database=/var/lib/intelmq/tor_nodes.dat < events.jsonl"])]
public sealed class TorNodesExpert : IExpert, ISelfTest
{
    public const string FileName = "tor_nodes.dat";
    static readonly string[] Sides = ["source", "destination"];

    readonly HashSet<IPAddress> _nodes;
    readonly bool _overwrite;
    readonly string _path;
    readonly TimeProvider _clock;

    public TorNodesExpert(TorNodesExpertOptions options, ProgramContext context)
    {
        var path = DatabasePath(options, context);
        _clock = context.Clock;
        _nodes = ParseList(TextFile.ReadLines("tor-nodes-expert", "database", path), path!);
        _path = path!;
        _overwrite = options.Overwrite;
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (ev[side + ".ip"] is string ip && IPAddress.TryParse(ip, out var address) && _nodes.Contains(address))
                ev.TryAdd(side + ".tor_node", true, _overwrite);
        output.Emit(ev);
    }

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataFileReport.Describe("database", _path, _nodes.Count, "exit node addresses", _clock));

    internal static HashSet<IPAddress> ParseList(IEnumerable<string> lines, string source)
    {
        var nodes = new HashSet<IPAddress>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            nodes.Add(IPAddress.TryParse(line, out var address) ? address
                : throw new ConfigurationException($"tor-nodes-expert: {source}, line {number}: '{line}' is not an IP address."));
        }
        return nodes;
    }

    internal static string? DatabasePath(TorNodesExpertOptions options, ProgramContext context) =>
        options.Database.Length > 0 ? options.Database : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
