using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Http;

/// <summary>Checks whether a URL's content contains a text, as IntelMQ's HTTP content expert does.</summary>
[Program("http-content-expert", ProgramKind.Expert, "Sets status to online when the resource a URL of the event names contains a given text, else offline.",
    Modules = ["intelmq.bots.experts.http.expert_content"],
    Options = typeof(HttpContentExpertOptions),
    Description = """
        Fetches the URL in field (source.url by default), following redirects, and looks for needle in the
        answer's body (its first 4 MiB, decoded in the charset the server names, else UTF-8): found, status is
        online; not found, status is offline and extra.reason says "Text NEEDLE not found in response from URL",
        as in IntelMQ. A name that does not exist or a server that refuses the connection is offline too, with
        the reason. An event that already has a status is not checked unless overwrite=true. A URL that resolves
        to a private, loopback or other reserved address is not fetched unless allow_private_addresses=true;
        that is checked for every connection, redirects included, and no proxy is used. Requests to one server
        share at most connections_per_server connections; verdicts are cached by URL for cache_ttl seconds. A
        fetch that gets no answer within timeout seconds, or fails otherwise, passes the event on unchanged and
        logs the reason.
        """,
    FieldsRead = ["source.url.full", "status"],
    FieldsWritten = ["status", "custom.reason"],
    Examples = ["intelmq run http-content-expert --set 'needle=Index of /' < events.jsonl > checked.jsonl"])]
public sealed class HttpContentExpert : IAsyncExpert, IDisposable
{
    const string Program = "http-content-expert";

    readonly UrlCheck _check;
    readonly string _needle;

    public HttpContentExpert(HttpContentExpertOptions options, ProgramContext context)
    {
        _needle = options.Needle.Length > 0 ? options.Needle
            : throw new ConfigurationException($"{Program}: option 'needle' is empty; give the text the resource must contain, e.g. --set 'needle=Index of /'.");
        _check = new UrlCheck(Program, options, Judge, context);
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        await _check.CheckAsync(ev, cancellationToken);
        output.Emit(ev);
    }

    UrlCheck.Verdict Judge(string url, LookupResponse response) =>
        response.Text().Contains(_needle, StringComparison.Ordinal) ? new(true) : new(false, $"Text {_needle} not found in response from {url}");

    public void Dispose() => _check.Dispose();
}
