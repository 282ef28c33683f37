using System.Net;
using DnsClient;
using DnsClient.Protocol;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Verifiers;

/// <summary>Checks whether the event's domain still resolves and, optionally, whether its web server still answers.</summary>
[Program("domain-online-verifier", ProgramKind.Verifier, "Verifies that source.fqdn (or the host of source.url) is still online: DNS A/AAAA, optionally an HTTP HEAD; adds the verdict and a confidence.",
    Options = typeof(DomainOnlineVerifierOptions),
    Description = """
        The domain is source.fqdn, else the host of source.url when that is a name; an event with neither passes
        unchanged. The verdict goes to FIELD.result (online, offline or unknown), FIELD.confidence (0 to 1),
        FIELD.detail (what was seen) and FIELD.time, FIELD being the field option (custom.verification.domain.*):
        an address (A or AAAA) found: online, 0.7; with http_check, any HTTP answer to the HEAD request (even
        404 or 500): online, 0.95, and no HTTP answer (refused, reset, a bad certificate): offline, 0.5; no such
        name (NXDOMAIN): offline, 0.9; the name exists without addresses: offline, 0.6; SERVFAIL, no DNS answer, a
        per-host wait longer than timeout or any answer not there within timeout: unknown, 0. Verdicts are cached
        by domain (cache_ttl; unknown for cache_ttl_unknown), checks run max_concurrency at once and HTTP requests
        to one host per_host_interval seconds apart, so a dead host never stalls the pipeline. An event that
        already has FIELD.result is not checked again unless overwrite=true.
        """,
    FieldsRead = ["source.domain", "source.url.full"],
    FieldsWritten = ["custom.verification.domain.result", "custom.verification.domain.confidence", "custom.verification.domain.detail", "custom.verification.domain.time"],
    Examples = ["intelmq run domain-online-verifier --set http_check=true < events.jsonl"])]
public sealed class DomainOnlineVerifier : IAsyncExpert, IDisposable
{
    const string Program = "domain-online-verifier";
    public const string Online = "online", Offline = "offline";

    readonly LookupClient _dns;
    readonly HttpClient? _http;
    readonly BoundedChecks _checks;
    readonly TimeProvider _clock;
    readonly string _field;
    readonly bool _overwrite;

    public DomainOnlineVerifier(DomainOnlineVerifierOptions options, ProgramContext context)
    {
        _field = VerificationField.Require(Program, options.Field);
        _dns = DnsResolver.Create(Program, options.NameServers, options.Timeout, retries: 0);
        // HTTP goes to the address the configured name servers give, so that both checks look at the same host.
        _http = options.HttpCheck ? VerifierHttp.Create(options, async (host, token) => (await ResolveAsync(host, token)).Address) : null;
        _checks = new BoundedChecks(options, context.Clock);
        _clock = context.Clock;
        _overwrite = options.Overwrite;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        var page = ev["source.url.full"] is string url && Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" ? parsed : null;
        var domain = ev["source.domain"] as string ?? (page is { HostNameType: UriHostNameType.Dns } ? page.IdnHost : null);
        if (domain is not null && (_overwrite || !ev.Contains(_field + ".result")))
        {
            var target = page is not null && string.Equals(page.IdnHost, domain, StringComparison.OrdinalIgnoreCase) ? page : null;
            var key = _http is null ? domain : $"{domain} {target}";
            var verdict = await _checks.GetAsync(key.ToLowerInvariant(), deadline => CheckAsync(domain, target, deadline), cancellationToken);
            verdict.WriteTo(ev, _field, _clock.GetUtcNow());
        }
        output.Emit(ev);
    }

    async Task<Verdict> CheckAsync(string domain, Uri? page, CancellationToken deadline)
    {
        var (address, failed) = await ResolveAsync(domain, deadline);
        if (failed is not null) return failed;
        var resolved = $"{domain} resolves to {address}";
        if (_http is null) return new(Online, 0.7, resolved);
        var url = page ?? new Uri($"http://{domain}/");
        if (!await _checks.RateLimiter.WaitTurnAsync(url.IdnHost, _checks.Deadline, deadline))
            return Verdict.NotKnown($"{resolved}; {url.IdnHost} was asked too often to ask again within the timeout");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline);
            return new(Online, 0.95, $"{resolved}; HTTP {(int)response.StatusCode} from {url}");
        }
        catch (HttpRequestException ex)
        {
            return new(Offline, 0.5, $"{resolved}, but HTTP to {url} failed: {VerifierHttp.Describe(ex)}");
        }
    }

    /// <returns>An address of the name, or the verdict when there is none.</returns>
    async Task<(IPAddress? Address, Verdict? Failed)> ResolveAsync(string domain, CancellationToken deadline)
    {
        try
        {
            var v4 = _dns.QueryAsync(domain, QueryType.A, QueryClass.IN, deadline);
            var v6 = _dns.QueryAsync(domain, QueryType.AAAA, QueryClass.IN, deadline);
            var answers = await Task.WhenAll(v4, v6);
            foreach (var response in answers)
                foreach (var record in response.Answers)
                    if (record is AddressRecord found) return (found.Address, null);
            var codes = answers.Select(a => a.Header.ResponseCode).ToArray();
            if (codes.Contains(DnsHeaderResponseCode.NotExistentDomain)) return (null, new(Offline, 0.9, $"{domain} does not exist (NXDOMAIN)"));
            if (codes.All(c => c == DnsHeaderResponseCode.NoError)) return (null, new(Offline, 0.6, $"{domain} exists but has no A or AAAA record"));
            return (null, Verdict.NotKnown($"DNS answered {codes.First(c => c != DnsHeaderResponseCode.NoError)} for {domain}"));
        }
        catch (DnsResponseException ex)
        {
            return (null, Verdict.NotKnown($"no DNS answer for {domain}: {ex.Message}"));
        }
    }

    public void Dispose()
    {
        _http?.Dispose();
        _checks.Dispose();
    }
}
