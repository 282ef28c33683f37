using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.TrustedIntroducer;

/// <summary>Finds the team whose constituency covers the event's domain or AS in Trusted Introducer's directory, as IntelMQ's trusted_introducer_lookup expert does.</summary>
[Program("trusted-introducer-expert", ProgramKind.Expert, "Sets source.abuse_contact to the contact of the team whose constituency (in Trusted Introducer's directory) covers source.fqdn or source.asn.",
    Modules = ["intelmq.bots.experts.trusted_introducer_lookup.expert"],
    Options = typeof(TrustedIntroducerExpertOptions),
    ReferenceData = typeof(TeamDirectoryUpdater),
    Description = """
        Reads a local copy of Trusted Introducer's team directory (teams.json) once at start; `--self-update-db`
        downloads it (database_url), checks that it is a list of teams with contacts and swaps it in. For each
        lookup of order in turn (domain, asn) the first match sets source.abuse_contact to the team's contact
        e-mail (the first address whose usage includes "contact"; teams without one are left out): domain
        matches source.fqdn against the constituency domains by its longest listed suffix (`*.ac.at` covers
        tuwien.ac.at before `*.at` does; entries with a wildcard TLD such as `example.*` are left out); asn
        matches source.asn against the constituency AS numbers. When two teams list the same domain or AS, the
        first in the directory wins. An abuse contact the event already has is replaced only with overwrite=true
        (IntelMQ's default). An event that matches nothing passes unchanged.
        """,
    FieldsRead = ["source.domain", "source.as.number"],
    FieldsWritten = ["source.abuse_contact"],
    Examples = ["intelmq run trusted-introducer-expert --self-update-db", "intelmq run trusted-introducer-expert < events.jsonl"])]
public sealed class TrustedIntroducerExpert : IExpert, ISelfTest
{
    public const string FileName = "trusted_introducer_teams.json";
    const string Program = "trusted-introducer-expert";

    readonly Dictionary<string, string> _domains = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<long, string> _asns = [];
    readonly Lookup[] _order;
    readonly bool _overwrite;
    readonly string _path;
    readonly int _teams;
    readonly TimeProvider _clock;

    enum Lookup { Domain, Asn }

    public TrustedIntroducerExpert(TrustedIntroducerExpertOptions options, ProgramContext context)
    {
        _order = ParseOrder(options.Order);
        _overwrite = options.Overwrite;
        _clock = context.Clock;
        _path = DatabasePath(options, context)
                ?? throw new ConfigurationException($"{Program}: option 'database' is empty and there is no data directory: give the path of teams.json.");
        if (!File.Exists(_path))
            throw new ConfigurationException($"{Program}: the team directory {_path} does not exist: run `intelmq run {Program} --self-update-db` or set database.");
        List<TeamDirectory.Team> teams;
        try
        {
            teams = TeamDirectory.Read(_path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Program}: option 'database': {_path}: {ex.Message}");
        }
        foreach (var team in teams)
        {
            if (team.Contact is not { } contact) continue;
            _teams++;
            foreach (var asn in team.Asns) _asns.TryAdd(asn, contact);
            foreach (var domain in team.Domains)
                if (Suffix(domain) is { } suffix) _domains.TryAdd(suffix, contact);
        }
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var lookup in _order)
            if ((lookup == Lookup.Domain ? ByDomain(ev) : ByAsn(ev)) is { } contact)
            {
                ev.TryAdd("source.abuse_contact", contact, _overwrite);
                break;
            }
        output.Emit(ev);
    }

    string? ByDomain(Event ev)
    {
        if (ev["source.domain"] is not string domain) return null;
        for (var name = domain.TrimEnd('.'); name.Length > 0; name = name.IndexOf('.') is var dot and >= 0 ? name[(dot + 1)..] : "")
            if (_domains.TryGetValue(name, out var contact)) return contact;
        return null;
    }

    string? ByAsn(Event ev) =>
        ev["source.as.number"] is { } asn && long.TryParse(asn.ToString(), out var number) && _asns.TryGetValue(number, out var contact) ? contact : null;

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(DataFileReport.Describe("database", _path, _teams, "teams with a contact address", _clock));

    /// <summary>The name a constituency domain covers: <c>*.ac.at</c> and <c>ac.at</c> give ac.at; a wildcard elsewhere (<c>example.*</c>) gives null.</summary>
    static string? Suffix(string entry)
    {
        var name = entry.Trim().TrimEnd('.');
        if (name.StartsWith("*.", StringComparison.Ordinal)) name = name[2..];
        else if (name.StartsWith('.')) name = name[1..];
        return name.Length == 0 || name.Contains('*') ? null : name;
    }

    static Lookup[] ParseOrder(string order)
    {
        var lookups = new List<Lookup>();
        foreach (var item in order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            lookups.Add(item.ToLowerInvariant() switch
            {
                "domain" => Lookup.Domain,
                "asn" => Lookup.Asn,
                _ => throw new ConfigurationException($"{Program}: option 'order': '{item}' is not domain or asn (e.g. order: 'domain, asn')."),
            });
        return lookups.Count > 0 ? [.. lookups] : throw new ConfigurationException($"{Program}: option 'order' is empty: give 'domain, asn', 'domain' or 'asn'.");
    }

    internal static string? DatabasePath(TrustedIntroducerExpertOptions options, ProgramContext context) =>
        options.Database.Length > 0 ? options.Database : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
