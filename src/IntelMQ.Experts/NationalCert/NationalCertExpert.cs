using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.NationalCert;

/// <summary>Names the national CERT responsible for the event's domain (by its TLD) or, optionally, for its address's country.</summary>
[Program("national-cert-expert", ProgramKind.Expert, "Sets the national CERT (name, e-mail, web site) responsible for the TLD of source.fqdn, or for source.geolocation.cc.",
    Options = typeof(NationalCertExpertOptions),
    ReferenceData = typeof(NationalCertTableUpdater),
    Description = """
        The table (database, else national_certs.tsv in the data directory, else the small sample built in) is
        read once at start: tab-separated lines of country code, extra TLDs, team, e-mail and web site. For each
        lookup of order in turn, the first match writes FIELD.name, FIELD.email, FIELD.url and FIELD.country
        (FIELD being the field option, custom.national_cert.*; empty cells are left out): domain takes the TLD of
        source.fqdn, a TLD listed for a team (wien, say) first, else a two-letter TLD's country (the ISO code,
        except uk for GB and ac for SH); geolocation takes source.geolocation.cc. An event that already has
        FIELD.name keeps it unless overwrite=true; one that matches nothing passes unchanged. A line that does not
        parse, or names a country or TLD twice, is refused at start with the file and line. `--self-update-db`
        downloads Trusted Introducer's team directory (database_url), keeps the teams whose constituency type is
        National (their constituency countries, their single-label constituency domains as TLDs, their contact
        e-mail; the directory has no web site, so url stays empty), checks it found at least one, and swaps the
        table in atomically.
        """,
    FieldsRead = ["source.domain", "source.geo.country_iso_code"],
    FieldsWritten = ["custom.national_cert.name", "custom.national_cert.email", "custom.national_cert.url", "custom.national_cert.country"],
    Examples = ["intelmq run national-cert-expert --set 'order=domain, geolocation' < events.jsonl", "intelmq run national-cert-expert --self-update-db"])]
public sealed class NationalCertExpert : IExpert, ISelfTest
{
    public const string FileName = "national_certs.tsv";
    const string Program = "national-cert-expert";

    readonly NationalCertTable _table;
    readonly bool[] _order; // true: domain, false: geolocation
    readonly string _field;
    readonly bool _overwrite;
    readonly string? _path;
    readonly TimeProvider _clock;

    public NationalCertExpert(NationalCertExpertOptions options, ProgramContext context)
    {
        _order = ParseOrder(options.Order);
        _field = IntelMQFields.ToIdf(options.Field.Trim());
        if (!_field.StartsWith("custom.", StringComparison.Ordinal) || _field.Length == "custom.".Length)
            throw new ConfigurationException($"{Program}: option 'field': '{options.Field}' is not a custom field; give a name such as extra.national_cert.");
        _overwrite = options.Overwrite;
        _clock = context.Clock;
        var local = DatabasePath(options, context);
        _path = options.Database.Length > 0 || (local is not null && File.Exists(local)) ? local : null;
        _table = _path is null ? NationalCertTable.ReadEmbedded() : NationalCertTable.Parse(TextFile.ReadLines(Program, "database", _path), _path);
    }

    public void Process(Event ev, IEmitter output)
    {
        if (_overwrite || !ev.Contains(_field + ".name"))
            foreach (var byDomain in _order)
            {
                var team = byDomain
                    ? ev["source.domain"] is string domain ? _table.ForDomain(domain) : null
                    : ev["source.geo.country_iso_code"] is string country ? _table.ForCountry(country) : null;
                if (team is null) continue;
                Write(ev, "name", team.Name);
                Write(ev, "email", team.Email);
                Write(ev, "url", team.Url);
                Write(ev, "country", team.Country);
                break;
            }
        output.Emit(ev);
    }

    void Write(Event ev, string name, string value)
    {
        if (value.Length > 0) ev.Add($"{_field}.{name}", value, overwrite: true);
        else ev.Remove($"{_field}.{name}");
    }

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_path is null
            ? (IReadOnlyList<string>)[$"database: the built-in sample {NationalCertTable.EmbeddedName}, {_table.Count} countries; run --self-update-db for the full table"]
            : DataFileReport.Describe("database", _path, _table.Count, "countries", _clock));

    static bool[] ParseOrder(string order)
    {
        var lookups = new List<bool>();
        foreach (var item in order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            lookups.Add(item.ToLowerInvariant() switch
            {
                "domain" => true,
                "geolocation" => false,
                _ => throw new ConfigurationException($"{Program}: option 'order': '{item}' is not domain or geolocation (e.g. order: 'domain, geolocation')."),
            });
        return lookups.Count > 0 ? [.. lookups] : throw new ConfigurationException($"{Program}: option 'order' is empty: give 'domain', 'geolocation' or both.");
    }

    internal static string? DatabasePath(NationalCertExpertOptions options, ProgramContext context) =>
        options.Database.Length > 0 ? options.Database : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
