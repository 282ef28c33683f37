using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.AsnLookup;

/// <summary>Fills AS number and network from a local prefix table, as IntelMQ's asn_lookup expert does.</summary>
[Program("asn-lookup-expert", ProgramKind.Expert, "Fills source/destination AS number and network from a local RouteViews prefix table (pyasn ipasn format).",
    Modules = ["intelmq.bots.experts.asn_lookup.expert"],
    Options = typeof(AsnLookupExpertOptions),
    ReferenceData = typeof(PrefixTableUpdater),
    Description = """
        Looks up source.ip and destination.ip in the longest-prefix table and writes asn (IDF as.number) and network.
        The table is read once at start; each lookup is a few hash probes. Fields already set are kept unless
        overwrite=true; an address no prefix covers leaves the event unchanged. `--self-update-db` downloads the
        table from database_url, checks that it parses, and swaps it in.
        """,
    FieldsRead = ["source.ip", "destination.ip"],
    FieldsWritten = ["source.as.number", "source.network", "destination.as.number", "destination.network"],
    Examples = ["intelmq run asn-lookup-expert --set database=/var/lib/intelmq/ipasn.dat < events.jsonl"])]
public sealed class AsnLookupExpert : IExpert, ISelfTest
{
    public const string FileName = "ipasn.dat";
    // Looked up once: the paths of each side's fields were concatenated and resolved again for every event.
    static readonly (string Ip, FieldHandle Asn, FieldHandle Network)[] Sides = [Side("source"), Side("destination")];

    readonly PrefixTable _table;
    readonly bool _overwrite;
    readonly string _path;
    readonly TimeProvider _clock;

    public AsnLookupExpert(AsnLookupExpertOptions options, ProgramContext context)
    {
        var path = DatabasePath(options, context);
        _clock = context.Clock;
        _table = PrefixTable.Parse(TextFile.ReadLines("asn-lookup-expert", "database", path), path!);
        _path = path!;
        _overwrite = options.Overwrite;
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (ev[side.Ip] is string ip && _table.TryLookup(ip, out var asn, out var network))
            {
                ev.TryAdd(side.Asn, asn, _overwrite);
                ev.TryAdd(side.Network, network, _overwrite);
            }
        output.Emit(ev);
    }

    static (string, FieldHandle, FieldHandle) Side(string side) =>
        (side + ".ip", FieldCatalogue.Default.Handle(side + ".as.number")!, FieldCatalogue.Default.Handle(side + ".network")!);

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataFileReport.Describe("database", _path, _table.Count, "prefixes", _clock));

    internal static string? DatabasePath(AsnLookupExpertOptions options, ProgramContext context) =>
        options.Database.Length > 0 ? options.Database : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
