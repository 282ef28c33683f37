using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts;

/// <summary>Resolves an event's host names to IP addresses over DNS, as IntelMQ's gethostbyname expert does.</summary>
[Program("gethostbyname-expert", ProgramKind.Expert, "Resolves source.fqdn and destination.fqdn to source.ip and destination.ip over DNS.",
    Modules = ["intelmq.bots.experts.gethostbyname.expert"],
    Options = typeof(GethostbynameExpertOptions),
    Description = """
        Looks up the A record of source.fqdn (IDF source.domain) and destination.fqdn (destination.domain) and
        writes the first address to source.ip / destination.ip; a name with no A record but an AAAA record gets its
        IPv6 address. A side that already has an IP address is left alone unless overwrite=true; with
        fallback_to_url=true a side without a host name takes the host of its URL. A name that does not exist
        (NXDOMAIN) or has no address leaves the event unchanged, as do the failures IntelMQ ignores (a refused or
        malformed query: gaierror -4). A server failure (SERVFAIL) or no answer within the timeout is gaierror -3:
        the event is retried later by the runtime, never passed on unresolved, unless gaierrors_to_ignore contains -3.
        Answers, including 'no such name', are cached for cache_ttl seconds; failures are not. Many events are
        resolved at once (the run's concurrency), and concurrent events with one name share one query.
        """,
    FieldsRead = ["source.domain", "destination.domain", "source.url.full", "destination.url.full", "source.ip", "destination.ip"],
    FieldsWritten = ["source.ip", "destination.ip"],
    Examples = [
        "intelmq run gethostbyname-expert < events.jsonl > resolved.jsonl",
        "intelmq run gethostbyname-expert --set 'name_servers=[\"9.9.9.9\", \"149.112.112.112\"]' --set fallback_to_url=true < events.jsonl",
    ])]
public sealed class GethostbynameExpert : IAsyncExpert
{
    const int EaiAgain = -3, EaiFail = -4;
    static readonly int[] IgnoredByIntelMQ = [-2, EaiFail, -5, -8, -11];
    static readonly QueryType[] AddressTypes = [QueryType.A, QueryType.AAAA];
    static readonly Side[] Sides = [new("source.domain", "source.url.full", "source.ip"), new("destination.domain", "destination.url.full", "destination.ip")];

    readonly LookupClient _client;
    readonly LookupCache<string, IPAddress?> _cache;
    readonly HashSet<int> _ignored = [.. IgnoredByIntelMQ];
    readonly bool _overwrite, _fallbackToUrl;

    public GethostbynameExpert(GethostbynameExpertOptions options, ProgramContext context)
    {
        foreach (var code in options.GaierrorsToIgnore)
            _ignored.Add(int.TryParse(code, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
                : throw new ConfigurationException($"gethostbyname-expert: option 'gaierrors_to_ignore': '{code}' is not a gaierror code; give integers such as [-3]."));
        _client = DnsResolver.Create("gethostbyname-expert", options.NameServers, options.Timeout, options.DnsRetries);
        _cache = new LookupCache<string, IPAddress?>(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _overwrite = options.Overwrite;
        _fallbackToUrl = options.FallbackToUrl;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        foreach (var side in Sides) await ResolveAsync(ev, side, cancellationToken);
        output.Emit(ev);
    }

    async ValueTask ResolveAsync(Event ev, Side side, CancellationToken cancellationToken)
    {
        if (!_overwrite && ev.Contains(side.Ip)) return;
        var name = ev[side.Domain] as string;
        if (name is null && _fallbackToUrl && ev[side.Url] is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            {
                ev.TryAdd(side.Ip, IPAddress.Parse(uri.DnsSafeHost).ToString(), overwrite: true);
                return;
            }
            name = uri.IdnHost;
        }
        if (name is null) return;
        IPAddress? address;
        try
        {
            // The shared lookup is bounded by the DNS timeout; one event's cancellation must not cancel it for the others.
            address = await _cache.GetAsync(name.TrimEnd('.').ToLowerInvariant(), LookupAsync).WaitAsync(cancellationToken);
        }
        catch (LookupFailure failure) when (_ignored.Contains(failure.Code))
        {
            return;
        }
        catch (LookupFailure failure)
        {
            throw new TransientException($"gethostbyname-expert: looking up '{name}': {failure.Message}", failure);
        }
        if (address is not null) ev.TryAdd(side.Ip, address.ToString(), overwrite: true);
    }

    /// <returns>The name's first IPv4 address, else its first IPv6 address, or null when the name does not exist or has neither.</returns>
    async Task<IPAddress?> LookupAsync(string name)
    {
        foreach (var type in AddressTypes)
        {
            IDnsQueryResponse response;
            try
            {
                response = await _client.QueryAsync(name, type, QueryClass.IN, CancellationToken.None);
            }
            catch (DnsResponseException ex)
            {
                throw new LookupFailure(EaiAgain, $"no answer from {string.Join(", ", _client.NameServers)}: {ex.Message}", ex);
            }
            switch (response.Header.ResponseCode)
            {
                case DnsHeaderResponseCode.NoError: break;
                case DnsHeaderResponseCode.NotExistentDomain: return null;
                case DnsHeaderResponseCode.ServerFailure: throw new LookupFailure(EaiAgain, $"{response.NameServer} answered SERVFAIL");
                default: throw new LookupFailure(EaiFail, $"{response.NameServer} answered {response.Header.ResponseCode}");
            }
            foreach (var record in response.Answers)
                if (record is AddressRecord found) return found.Address;
        }
        return null;
    }

    readonly record struct Side(string Domain, string Url, string Ip);

    /// <summary>A lookup that failed with IntelMQ's gaierror code for that failure.</summary>
    sealed class LookupFailure(int code, string message, Exception? inner = null) : Exception(message, inner)
    {
        public int Code { get; } = code;
    }
}
