using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.DomainSuffix;

/// <summary>Sets each side's public suffix from the public suffix list, as IntelMQ's domain_suffix expert does.</summary>
[Program("domain-suffix-expert", ProgramKind.Expert, "Fills source.domain_suffix and destination.domain_suffix from the public suffix list.",
    Modules = ["intelmq.bots.experts.domain_suffix.expert"],
    Options = typeof(DomainSuffixExpertOptions),
    ReferenceData = typeof(PublicSuffixListUpdater),
    Description = """
        Looks up source.fqdn and destination.fqdn (or their reverse_dns with field=reverse_dns) in a local copy of
        the public suffix list (wildcard and exception rules included) and writes the public suffix, in punycode, to
        domain_suffix (IDF top_level_domain): www.example.co.uk gets co.uk. Internationalised names match in either
        spelling. The list is read once at start; `--self-update-db` downloads a fresh copy, checks it and swaps it in.
        A name that is not a valid host name leaves the event unchanged.
        """,
    FieldsRead = ["source.domain", "destination.domain", "source.reverse_dns", "destination.reverse_dns"],
    FieldsWritten = ["source.top_level_domain", "destination.top_level_domain"],
    Examples = ["intelmq run domain-suffix-expert --set suffix_file=/var/lib/intelmq/public_suffix_list.dat < events.jsonl"])]
public sealed class DomainSuffixExpert : IExpert, ISelfTest
{
    public const string FileName = "public_suffix_list.dat";
    static readonly string[] Sides = ["source", "destination"];

    readonly PublicSuffixList _list;
    // Each side's field to read and field to write, made once rather than concatenated for every event.
    readonly (string Name, string Suffix)[] _sides;
    readonly bool _overwrite;
    readonly string _path;
    readonly TimeProvider _clock;

    public DomainSuffixExpert(DomainSuffixExpertOptions options, ProgramContext context)
    {
        var path = ListPath(options, context);
        _clock = context.Clock;
        _list = PublicSuffixList.Parse(TextFile.ReadLines("domain-suffix-expert", "suffix_file", path), path!);
        _path = path!;
        var field = options.Field switch
        {
            "fqdn" => ".domain",
            "reverse_dns" => ".reverse_dns",
            _ => throw new ConfigurationException($"domain-suffix-expert: option 'field' is '{options.Field}'; give fqdn or reverse_dns."),
        };
        _sides = [.. Sides.Select(side => (side + field, side + ".top_level_domain"))];
        _overwrite = options.Overwrite;
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in _sides)
            if (ev[side.Name] is string name && _list.SuffixOf(name) is { } suffix)
                ev.TryAdd(side.Suffix, suffix, _overwrite);
        output.Emit(ev);
    }

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataFileReport.Describe("suffix_file", _path, _list.Count, "rules", _clock));

    internal static string? ListPath(DomainSuffixExpertOptions options, ProgramContext context) =>
        options.SuffixFile.Length > 0 ? options.SuffixFile
        : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
