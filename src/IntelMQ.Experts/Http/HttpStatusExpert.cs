using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Http;

/// <summary>Checks whether a URL answers with a success status, as IntelMQ's HTTP status expert does.</summary>
[Program("http-status-expert", ProgramKind.Expert, "Sets status to online or offline from the HTTP status a URL of the event answers with.",
    Modules = ["intelmq.bots.experts.http.expert_status"],
    Options = typeof(HttpStatusExpertOptions),
    Description = """
        Fetches the URL in field (source.url by default), following redirects, and sets status to online when
        the final status code is one of success_status_codes (200 to 399 when the list is empty), else offline.
        A name that does not exist or a server that refuses the connection is offline too, with the reason in
        extra.reason. An event that already has a status is not checked unless overwrite=true. A URL that
        resolves to a private, loopback or other reserved address is not fetched unless
        allow_private_addresses=true (an event must not make the expert probe the operator's own network);
        that is checked for every connection, redirects included, and no proxy is used. Requests to one server
        share at most connections_per_server connections; many events are checked at once (the run's
        concurrency); verdicts are cached by URL for cache_ttl seconds. A check that gets no answer within
        timeout seconds, or fails otherwise, passes the event on unchanged and logs the reason.
        """,
    FieldsRead = ["source.url.full", "status"],
    FieldsWritten = ["status", "custom.reason"],
    Examples = [
        "intelmq run http-status-expert < events.jsonl > checked.jsonl",
        "intelmq run http-status-expert --set field=destination.url --set 'success_status_codes=[200]' < events.jsonl",
    ])]
public sealed class HttpStatusExpert : IAsyncExpert, IDisposable
{
    const string Program = "http-status-expert";

    readonly UrlCheck _check;
    readonly HashSet<int> _success = [];

    public HttpStatusExpert(HttpStatusExpertOptions options, ProgramContext context)
    {
        foreach (var code in options.SuccessStatusCodes)
            _success.Add(int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 100 and <= 999 ? n
                : throw new ConfigurationException($"{Program}: option 'success_status_codes': '{code}' is not an HTTP status code; give integers such as [200, 301]."));
        _check = new UrlCheck(Program, options, Judge, context);
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        await _check.CheckAsync(ev, cancellationToken);
        output.Emit(ev);
    }

    UrlCheck.Verdict Judge(string url, LookupResponse response) =>
        new(_success.Count == 0 ? response.Status is >= 200 and < 400 : _success.Contains(response.Status));

    public void Dispose() => _check.Dispose();
}
