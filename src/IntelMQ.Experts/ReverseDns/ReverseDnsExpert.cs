using System.Net;
using DnsClient;
using DnsClient.Protocol;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.ReverseDns;

/// <summary>Fills the PTR name of an event's addresses, as IntelMQ's reverse_dns expert does.</summary>
[Program("reverse-dns-expert", ProgramKind.Expert, "Fills source.reverse_dns and destination.reverse_dns from the PTR record of source.ip / destination.ip.",
    Modules = ["intelmq.bots.experts.reverse_dns.expert"],
    Options = typeof(ReverseDnsExpertOptions),
    Description = """
        Asks the PTR record of source.ip and destination.ip (in-addr.arpa / ip6.arpa) and writes the first name,
        without its final dot, to reverse_dns. A side that already has reverse_dns is left alone unless
        overwrite=true. Names found are cached for cache_ttl seconds, addresses without a PTR record for
        cache_ttl_invalid_response seconds, as in IntelMQ. Many events are looked up at once (the run's
        concurrency); concurrent events with one address share one query. A lookup that fails (timeout, SERVFAIL)
        passes the event on unchanged and logs the reason; a name the field refuses is left out.
        """,
    FieldsRead = ["source.ip", "destination.ip", "source.reverse_dns", "destination.reverse_dns"],
    FieldsWritten = ["source.reverse_dns", "destination.reverse_dns"],
    Examples = ["intelmq run reverse-dns-expert --set 'name_servers=[\"9.9.9.9\"]' < events.jsonl"])]
public sealed class ReverseDnsExpert : IAsyncExpert
{
    const string Program = "reverse-dns-expert";
    static readonly string[] Sides = ["source", "destination"];

    readonly LookupClient _client;
    readonly LookupCache<IPAddress, string?> _cache;
    readonly ILogger _log;
    readonly bool _overwrite;

    public ReverseDnsExpert(ReverseDnsExpertOptions options, ProgramContext context)
    {
        _client = DnsResolver.Create(Program, options.NameServers, options.Timeout, options.DnsRetries);
        TimeSpan found = TimeSpan.FromSeconds(options.CacheTtl), missing = TimeSpan.FromSeconds(options.CacheTtlInvalidResponse);
        _cache = new(options.CacheSize, name => name is null ? missing : found, context.Clock);
        _log = context.Log;
        _overwrite = options.Overwrite;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        foreach (var side in Sides)
        {
            var field = side + ".reverse_dns";
            if (ev[side + ".ip"] is not string text || !IPAddress.TryParse(text, out var address) || (!_overwrite && ev.Contains(field))) continue;
            try
            {
                // A shared lookup is bounded by the DNS timeout; one event's cancellation must not cancel it for the others.
                if (await _cache.GetAsync(address, LookupAsync).WaitAsync(cancellationToken) is { } name)
                    ev.TryAdd(field, name, overwrite: true);
            }
            catch (LookupFailure failure)
            {
                _log.LogWarning("{Side}.ip {Address} passed on without reverse DNS: {Reason}", side, text, failure.Message);
            }
        }
        output.Emit(ev);
    }

    async Task<string?> LookupAsync(IPAddress address)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryReverseAsync(address, CancellationToken.None);
        }
        catch (DnsResponseException ex)
        {
            throw new LookupFailure($"no answer: {ex.Message}");
        }
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError: break;
            case DnsHeaderResponseCode.NotExistentDomain: return null;
            default: throw new LookupFailure($"{response.NameServer} answered {response.Header.ResponseCode}");
        }
        foreach (var record in response.Answers)
            if (record is PtrRecord ptr) return ptr.PtrDomainName.Value.TrimEnd('.');
        return null;
    }

    sealed class LookupFailure(string message) : Exception(message);
}
