using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using DnsClient.Protocol;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using IntelMQ.Experts.Rfc1918;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Abusix;

/// <summary>Fills abuse contacts of addresses from Abusix's abuse contact database over DNS, as IntelMQ's abusix expert does.</summary>
[Program("abusix-expert", ProgramKind.Expert, "Fills source.abuse_contact and destination.abuse_contact from Abusix's abuse contact database over DNS.",
    Modules = ["intelmq.bots.experts.abusix.expert"],
    Options = typeof(AbusixExpertOptions),
    Description = """
        For source.ip and destination.ip asks the TXT records of the reversed address (octets for IPv4, nibbles
        for IPv6) under zone (abuse-contacts.abusix.zone): each record is an e-mail address, and all of them,
        joined with commas, become abuse_contact. A side that already has an abuse contact is left alone unless
        overwrite=true. Private and reserved addresses are not asked. Answers, 'no contact' (NXDOMAIN) included,
        are cached for cache_ttl seconds (IntelMQ's redis_cache_ttl; the Redis cache itself is not used); many
        events are looked up at once (the run's concurrency) and concurrent events with one address share one
        query. A lookup that fails (timeout, SERVFAIL) passes the event on unchanged and logs the reason; it is
        asked again next time.
        """,
    FieldsRead = ["source.ip", "destination.ip", "source.abuse_contact", "destination.abuse_contact"],
    FieldsWritten = ["source.abuse_contact", "destination.abuse_contact"],
    Examples = ["intelmq run abusix-expert < events.jsonl > enriched.jsonl"])]
public sealed class AbusixExpert : IAsyncExpert
{
    const string Program = "abusix-expert";
    static readonly string[] Sides = ["source", "destination"];

    readonly LookupClient _client;
    readonly LookupCache<string, string?> _cache;
    readonly ILogger _log;
    readonly bool _overwrite;
    readonly string _zone;

    public AbusixExpert(AbusixExpertOptions options, ProgramContext context)
    {
        _zone = options.Zone.Trim().Trim('.');
        if (_zone.Length == 0) throw new ConfigurationException($"{Program}: option 'zone' is empty; give the DNS zone, e.g. abuse-contacts.abusix.zone.");
        _client = DnsResolver.Create(Program, options.NameServers, options.Timeout, options.DnsRetries);
        _cache = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _log = context.Log;
        _overwrite = options.Overwrite;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        foreach (var side in Sides)
        {
            var field = side + ".abuse_contact";
            if (ev[side + ".ip"] is not string text || !IPAddress.TryParse(text, out var address) || ReservedRanges.IsReserved(address)
                || (!_overwrite && ev.Contains(field))) continue;
            try
            {
                // A shared lookup is bounded by the DNS timeout; one event's cancellation must not cancel it for the others.
                if (await _cache.GetAsync(QueryName(address, _zone), LookupAsync).WaitAsync(cancellationToken) is { } contacts)
                    ev.TryAdd(field, contacts, overwrite: true);
            }
            catch (LookupFailure failure)
            {
                _log.LogWarning("{Side}.ip {Address} passed on without an Abusix contact: {Reason}", side, text, failure.Message);
            }
        }
        output.Emit(ev);
    }

    /// <summary>The query name: reversed octets (IPv4) or nibbles (IPv6) under the zone.</summary>
    public static string QueryName(IPAddress address, string zone)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        var name = new StringBuilder(80);
        for (var i = bytes.Length - 1; i >= 0; i--)
            if (address.AddressFamily == AddressFamily.InterNetwork)
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            else
                name.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        return name.Append(zone).ToString();
    }

    /// <returns>The contacts joined with commas, or null when the address has none.</returns>
    async Task<string?> LookupAsync(string name)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, QueryType.TXT, QueryClass.IN, CancellationToken.None);
        }
        catch (DnsResponseException ex)
        {
            throw new LookupFailure($"no answer for {name}: {ex.Message}", ex);
        }
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError: break;
            case DnsHeaderResponseCode.NotExistentDomain: return null;
            default: throw new LookupFailure($"{response.NameServer} answered {response.Header.ResponseCode} for {name}");
        }
        var contacts = new List<string>();
        foreach (var record in response.Answers)
            if (record is TxtRecord txt && string.Concat(txt.Text).Trim() is { Length: > 0 } contact && !contacts.Contains(contact, StringComparer.OrdinalIgnoreCase))
                contacts.Add(contact);
        return contacts.Count == 0 ? null : string.Join(',', contacts);
    }
}
