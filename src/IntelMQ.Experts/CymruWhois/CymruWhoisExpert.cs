using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using DnsClient.Protocol;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.CymruWhois;

/// <summary>Fills network facts of an address from Team Cymru's IP-to-ASN service over DNS, as IntelMQ's cymru_whois expert does.</summary>
[Program("cymru-whois-expert", ProgramKind.Expert, "Fills AS number, BGP prefix, country, registry, allocation date and AS name from Team Cymru's whois over DNS.",
    Modules = ["intelmq.bots.experts.cymru_whois.expert"],
    Options = typeof(CymruWhoisExpertOptions),
    Description = """
        For source.ip and destination.ip asks the TXT record of the reversed address under origin.asn.cymru.com
        (origin6.asn.cymru.com, by nibbles, for IPv6): "AS | BGP prefix | CC | registry | allocated". Where several
        origins or prefixes answer, the longest prefix and its first AS win. Then AS<number>.asn.cymru.com gives
        the AS name. Writes asn, network, geolocation.cc, registry (unless Cymru says 'other'), allocated and
        as_name; with overwrite=false (IntelMQ's default is true) fields the event has are kept. Answers, 'not
        routed' included, are cached for cache_ttl seconds; many events are looked up at once (the run's
        concurrency) and concurrent events with one address share one query. A lookup that fails (timeout,
        SERVFAIL, a malformed answer) passes the event on unchanged and logs the reason; it is asked again next
        time.
        """,
    FieldsRead = ["source.ip", "destination.ip"],
    FieldsWritten = [
        "source.as.number", "source.network", "source.geo.country_iso_code", "source.registry", "source.allocated", "source.as.organization.name",
        "destination.as.number", "destination.network", "destination.geo.country_iso_code", "destination.registry", "destination.allocated", "destination.as.organization.name",
    ],
    Examples = ["intelmq run cymru-whois-expert < events.jsonl > enriched.jsonl"])]
public sealed class CymruWhoisExpert : IAsyncExpert
{
    const string Program = "cymru-whois-expert";
    static readonly string[] Sides = ["source", "destination"];

    readonly LookupClient _client;
    readonly LookupCache<string, OriginRecord?> _origins;
    readonly LookupCache<long, string?> _asNames;
    readonly ILogger _log;
    readonly bool _overwrite;

    public CymruWhoisExpert(CymruWhoisExpertOptions options, ProgramContext context)
    {
        _client = DnsResolver.Create(Program, options.NameServers, options.Timeout, options.DnsRetries);
        _origins = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _asNames = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _log = context.Log;
        _overwrite = options.Overwrite;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        foreach (var side in Sides)
        {
            if (ev[side + ".ip"] is not string text || !IPAddress.TryParse(text, out var address)) continue;
            try
            {
                // A shared lookup is bounded by the DNS timeout; one event's cancellation must not cancel it for the others.
                if (await _origins.GetAsync(OriginName(address), LookupOriginAsync).WaitAsync(cancellationToken) is not { } origin) continue;
                var asName = origin.Asn is { } asn ? await _asNames.GetAsync(asn, LookupAsNameAsync).WaitAsync(cancellationToken) : null;
                Fill(ev, side, origin, asName);
            }
            catch (LookupFailure failure)
            {
                _log.LogWarning("{Side}.ip {Address} passed on without Cymru data: {Reason}", side, text, failure.Message);
            }
        }
        output.Emit(ev);
    }

    void Fill(Event ev, string side, OriginRecord origin, string? asName)
    {
        if (origin.Asn is { } asn) ev.TryAdd(side + ".as.number", asn, _overwrite);
        if (origin.Network is { } network) ev.TryAdd(side + ".network", network, _overwrite);
        if (origin.CountryCode is { } cc) ev.TryAdd(side + ".geo.country_iso_code", cc, _overwrite);
        if (origin.Registry is { } registry) ev.TryAdd(side + ".registry", registry, _overwrite);
        if (origin.Allocated is { } allocated) ev.TryAdd(side + ".allocated", allocated, _overwrite);
        if (asName is not null) ev.TryAdd(side + ".as.organization.name", asName, _overwrite);
    }

    /// <summary>The origin query name: reversed octets under origin.asn.cymru.com, reversed nibbles under origin6.asn.cymru.com.</summary>
    public static string OriginName(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        var name = new StringBuilder(80);
        for (var i = bytes.Length - 1; i >= 0; i--)
            if (address.AddressFamily == AddressFamily.InterNetwork)
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            else
                name.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        return name.Append(address.AddressFamily == AddressFamily.InterNetwork ? "origin.asn.cymru.com" : "origin6.asn.cymru.com").ToString();
    }

    async Task<OriginRecord?> LookupOriginAsync(string name)
    {
        OriginRecord? best = null;
        foreach (var text in await QueryTextAsync(name))
            if (OriginRecord.Parse(text) is { } record && (best is null || record.PrefixLength > best.PrefixLength))
                best = record;
        return best;
    }

    async Task<string?> LookupAsNameAsync(long asn)
    {
        // "23028 | US | arin | 2002-01-04 | TEAM-CYMRU - Team Cymru Inc., US"
        foreach (var text in await QueryTextAsync($"AS{asn.ToString(CultureInfo.InvariantCulture)}.asn.cymru.com"))
            if (text.Split('|') is { Length: >= 5 } parts && parts[4].Trim() is { Length: > 0 } name)
                return name;
        return null;
    }

    /// <returns>The name's TXT strings; none when the name does not exist.</returns>
    async Task<List<string>> QueryTextAsync(string name)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, QueryType.TXT, QueryClass.IN, CancellationToken.None);
        }
        catch (DnsResponseException ex)
        {
            throw new LookupFailure($"no answer for {name}: {ex.Message}");
        }
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError: break;
            case DnsHeaderResponseCode.NotExistentDomain: return [];
            default: throw new LookupFailure($"{response.NameServer} answered {response.Header.ResponseCode} for {name}");
        }
        var texts = new List<string>();
        foreach (var record in response.Answers)
            if (record is TxtRecord txt) texts.Add(string.Concat(txt.Text));
        return texts;
    }

    /// <summary>One origin answer: "AS[ AS...] | prefix | CC | registry | allocated".</summary>
    sealed record OriginRecord(long? Asn, string? Network, int PrefixLength, string? CountryCode, string? Registry, string? Allocated)
    {
        public static OriginRecord? Parse(string text)
        {
            var parts = text.Split('|', StringSplitOptions.TrimEntries);
            if (parts.Length < 2) return null;
            long? asn = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
                && long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            IPNetwork? network = IPNetwork.TryParse(parts[1], out var parsed) ? parsed : null;
            var cc = parts.Length > 2 && parts[2].Length == 2 ? parts[2].ToUpperInvariant() : null;
            var registry = parts.Length > 3 ? parts[3].ToLowerInvariant() switch
            {
                "" or "other" => null,
                "ripencc" => "RIPE",
                var r => r.ToUpperInvariant(),
            } : null;
            var allocated = parts.Length > 4 && DateOnly.TryParseExact(parts[4], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00+00:00" : null;
            return new OriginRecord(asn, network?.ToString(), network?.PrefixLength ?? -1, cc, registry, allocated);
        }
    }

    sealed class LookupFailure(string message) : Exception(message);
}
