using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Lists;

namespace IntelMQ.Outputs.Rpz;

/// <summary>Keeps a DNS Response Policy Zone of the events' domains, rewritten whole and atomically after each batch.</summary>
[Program("rpz-file-output", ProgramKind.Output, "Keeps a DNS RPZ zone file of the events' domains, rewritten atomically with a new serial after every batch.",
    Modules = ["intelmq.bots.outputs.rpz_file.output"],
    Options = typeof(RpzFileOutputOptions),
    Description = """
        Each event's source.fqdn (else the host of source.url) is added to the zone as "domain CNAME cname." and
        "*.domain CNAME cname." (an empty cname gives "CNAME ." : NXDOMAIN), so the domain and everything below it are
        rewritten by a resolver using the zone (BIND's response-policy, Unbound's rpz). The zone is the set of every
        domain written so far (kept in FILE.entries, so a restart loses none): after each batch the whole file is
        written anew to a temporary file, fsynced and renamed over the old one, so the name server never loads half a
        zone; the header carries $TTL, the SOA (rpz_domain, hostmaster_rpz_domain, a serial that grows with every
        rewrite, refresh, retry, expire, ncachttl), NS localhost and IntelMQ's comment lines (organization_name, the
        time, rpz_domain, rpz_email), then test_domain. Several processes may write one zone: each update reads, merges
        and renames under the lock on FILE.lock. An event without a domain, or with one that is not a host name, is
        refused. expire_entries_days drops domains not seen again for that long.
        """,
    FieldsRead = ["source.domain", "source.url.full"],
    Examples = ["intelmq run rpz-file-output --set file=/etc/bind/rpz.intelmq.zone --set cname=walled-garden.example.org --set rpz_domain=rpz.example.org < events.jsonl"])]
public sealed partial class RpzFileOutput : IOutput
{
    const string Program = "rpz-file-output";

    readonly RpzFileOutputOptions _options;
    readonly AccumulatedList _zone;
    readonly TimeProvider _clock;
    readonly string _target;

    public RpzFileOutput(RpzFileOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        if (options.File.Length == 0) throw new ConfigurationException($"{Program}: option 'file' is empty; give the zone file's path, e.g. --set file=/etc/bind/rpz.intelmq.zone");
        foreach (var (name, value) in (ReadOnlySpan<(string, string)>)[("cname", options.Cname), ("rpz_domain", options.RpzDomain), ("hostmaster_rpz_domain", options.HostmasterRpzDomain), ("test_domain", options.TestDomain)])
            if (value.Length > 0 && Domain(value) is null)
                throw new ConfigurationException($"{Program}: option '{name}' is '{value}', not a host name; give one such as rpz.example.org.");
        _target = options.Cname.Length == 0 ? "." : Domain(options.Cname) + ".";
        _zone = new AccumulatedList(options.File);
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var added = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var name = events[i]["source.domain"] as string
                       ?? (Uri.TryCreate(events[i]["source.url.full"] as string, UriKind.Absolute, out var url) ? url.IdnHost : null);
            if (name is null)
                results[i] = WriteResult.Refused($"{Program}: the event has no source.fqdn or source.url to list");
            else if (Domain(name) is not { } domain)
                results[i] = WriteResult.Refused($"{Program}: '{name}' is not a host name an RPZ zone can list");
            else added[domain] = domain;
        }
        if (added.Count == 0) return ValueTask.CompletedTask;
        var expiry = _options.ExpireEntriesDays > 0 ? TimeSpan.FromDays(_options.ExpireEntriesDays) : (TimeSpan?)null;
        try
        {
            _zone.Update(added, _clock.GetUtcNow(), expiry, Render);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TransientException($"{Program}: cannot write {_zone.Path}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    string Render(IReadOnlyList<AccumulatedList.Entry> entries, string? previous)
    {
        var now = _clock.GetUtcNow();
        var serial = Math.Max(_options.Serial, long.Parse(now.ToString("yyMMddHHmm", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        if (previous is not null && SoaSerial().Match(previous) is { Success: true } soa && long.TryParse(soa.Groups[1].Value, CultureInfo.InvariantCulture, out var last))
            serial = Math.Max(serial, last + 1);
        var zone = new StringBuilder();
        zone.Append(CultureInfo.InvariantCulture, $"$TTL {_options.Ttl}\n");
        zone.Append(CultureInfo.InvariantCulture,
            $"@ SOA {Domain(_options.RpzDomain)}. {Domain(_options.HostmasterRpzDomain)}. {serial} {_options.Refresh} {_options.Retry} {_options.Expire} {_options.Ncachttl}\n");
        zone.Append(" NS localhost.\n;\n");
        zone.Append(_options.OrganizationName.Length > 0 ? $"; {_options.OrganizationName} Response Policy Zones (RPZ)\n" : "; Response Policy Zones (RPZ)\n");
        zone.Append(CultureInfo.InvariantCulture, $"; Last updated: {now.UtcDateTime:yyyy-MM-dd HH:mm:ss} (UTC)\n;\n");
        zone.Append(CultureInfo.InvariantCulture, $"; Terms Of Use: https://{_options.RpzDomain}\n");
        if (_options.RpzEmail.Length > 0) zone.Append(CultureInfo.InvariantCulture, $"; For questions please contact {_options.RpzEmail.Replace("@", " [at] ", StringComparison.Ordinal)}\n");
        zone.Append(";\n");
        if (_options.TestDomain.Length > 0) zone.Append(CultureInfo.InvariantCulture, $"{Domain(_options.TestDomain)} CNAME {_target}\n");
        foreach (var entry in entries)
            zone.Append(CultureInfo.InvariantCulture, $"{entry.Key} CNAME {_target}\n*.{entry.Key} CNAME {_target}\n");
        return zone.ToString();
    }

    /// <summary>The name lower-cased without its final dot; null when it is not a host name (nothing a zone file could misread).</summary>
    static string? Domain(string name)
    {
        var domain = name.Trim().TrimEnd('.').ToLowerInvariant();
        return domain.Length is > 0 and <= 253 && HostName().IsMatch(domain) ? domain : null;
    }

    [GeneratedRegex(@"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^@ SOA \S+ \S+ (\d+) ", RegexOptions.Multiline)]
    private static partial Regex SoaSerial();
}
