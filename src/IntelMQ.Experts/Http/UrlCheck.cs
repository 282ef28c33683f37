using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Http;

/// <summary>
/// What the HTTP status and content experts share: the URL of one field fetched (answers cached by URL), judged
/// online or offline, and written to <c>status</c> (with <c>custom.reason</c> when offline) under IntelMQ's overwrite rule.
/// </summary>
sealed class UrlCheck : IDisposable
{
    readonly string _field;
    readonly bool _overwrite;
    readonly LookupHttpClient _client;
    readonly LookupCache<string, Verdict> _cache;
    readonly Func<string, LookupResponse, Verdict> _judge;
    readonly ILogger _log;

    /// <param name="judge">Says, from the URL and its answer, whether the resource is online, and why not.</param>
    public UrlCheck(string program, HttpCheckOptions options, Func<string, LookupResponse, Verdict> judge, ProgramContext context)
    {
        _field = IntelMQFields.Require(program, "field", options.Field);
        _overwrite = options.Overwrite;
        _client = new LookupHttpClient(options.Timeout, options.ConnectionsPerServer, options.AllowPrivateAddresses, options.HttpUserAgent, options.HttpVerifyCert);
        _cache = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _judge = judge;
        _log = context.Log;
    }

    public string Field => _field;

    public async ValueTask CheckAsync(Event ev, CancellationToken cancellationToken)
    {
        if (ev[_field] is not string url || (!_overwrite && ev.Contains("status"))) return;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            _log.LogDebug("{Field} '{Url}' is not an http(s) URL; not checked", _field, url);
            return;
        }
        Verdict verdict;
        try
        {
            // A shared check is bounded by the request timeout; one event's cancellation must not cancel it for the others.
            verdict = await _cache.GetAsync(uri.AbsoluteUri, FetchAsync).WaitAsync(cancellationToken);
        }
        catch (LookupFailure failure)
        {
            _log.LogWarning("{Url} not checked, event passed on unchanged: {Reason}", url, failure.Message);
            return;
        }
        ev.TryAdd("status", verdict.Online ? "online" : "offline", overwrite: true);
        if (verdict.Reason is { } reason) ev.TryAdd("custom.reason", reason, overwrite: true);
    }

    async Task<Verdict> FetchAsync(string url)
    {
        try
        {
            return _judge(url, await _client.GetAsync(new Uri(url)));
        }
        catch (LookupFailure failure) when (failure.Unreachable)
        {
            return new Verdict(false, $"no server at {url}: {failure.Message}");
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Online or offline, and why offline when the status code does not say it.</summary>
    public sealed record Verdict(bool Online, string? Reason = null);
}
