using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Collectors.Eset;

/// <summary>
/// Polls a collection of ESET Threat Intelligence over TAXII 1.1 and hands on every content block; the end of the
/// polled window is stored once the last block is handed on, and the next run polls from there.
/// </summary>
[Program("eset-collector", ProgramKind.Collector, "Polls ESET Threat Intelligence (TAXII 1.1) and hands on every content block as one report.",
    Modules = ["intelmq.bots.collectors.eset.collector"],
    Options = typeof(EsetCollectorOptions),
    Description = """
        The first run asks the endpoint's TAXII 1.1 discovery service (discovery_path, XML message binding, HTTP
        basic authentication with username and password) for its poll service, unless poll_path names it. Every run
        sends that service a Poll_Request for collection, for the time from the end of the last window handed on
        (the first run: time_delta seconds back) until now, and hands on the content of every Content_Block as one
        report (ESET's JSON, which the ESET parser reads) with custom.eset_feed the collection (IntelMQ's
        extra.eset_feed, by which the parser tells the feeds apart) and feed.url the discovery URL, as IntelMQ's
        reports have them. A response marked more="true" is followed by Poll_Fulfillment requests for its further
        parts. The window's end (the server's Inclusive_End_Timestamp when it gives an earlier one) is stored once
        the last report is handed on, so a crash polls the same window again and no block is skipped; after a poll
        without blocks it is stored all the same, so a quiet collection's window does not grow. A
        Status_Message from the server (a refused login, an unknown collection) fails the run with its status and
        message. feed.* come from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url", "custom.eset_feed"],
    Examples = [
        "intelmq run eset-collector --set username=USER --set password=PASSWORD --set collection='ei.urls (json)' --output file:reports.jsonl",
    ])]
public sealed class EsetCollector : ICollector, IDisposable
{
    const string EndKey = "end";
    const string MessageBinding = "urn:taxii.mitre.org:message:xml:1.1";
    static readonly XNamespace Taxii = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;
    static readonly string FeedNameField = DhoMapping.ToIdf("extra.eset_feed")!;

    readonly string _name;
    readonly Uri _discovery;
    readonly string _collection;
    readonly TimeSpan _timeDelta;
    readonly AuthenticationHeaderValue _authorization;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;
    Uri? _poll;

    /// <exception cref="ConfigurationException">No username, password or collection, or an endpoint that is no host or URL.</exception>
    public EsetCollector(EsetCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "eset-collector";
        if (options.Username is not { Length: > 0 } user || options.Password is not { IsEmpty: false } password)
            throw new ConfigurationException($"{_name}: give username and password, your ESET Threat Intelligence account.");
        if (options.Collection is not { Length: > 0 } collection)
            throw new ConfigurationException($"{_name}: option 'collection' is missing, e.g. --set collection='ei.urls (json)'");
        var root = options.Endpoint.Contains("://", StringComparison.Ordinal) ? options.Endpoint : "https://" + options.Endpoint;
        if (!Uri.TryCreate(root.TrimEnd('/') + "/" + options.DiscoveryPath.TrimStart('/'), UriKind.Absolute, out var discovery) || discovery.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: endpoint '{options.Endpoint}' is neither a host name nor an http(s) URL.");
        _discovery = discovery;
        if (options.PollPath is { Length: > 0 } poll && !Uri.TryCreate(discovery, poll, out _poll))
            throw new ConfigurationException($"{_name}: poll_path '{poll}' is neither a path nor a URL.");
        _collection = collection;
        _timeDelta = TimeSpan.FromSeconds(options.TimeDelta);
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password.Reveal()}")));
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = _context.Clock.GetUtcNow();
        var begin = DateTimeOffset.TryParse(state.Get(EndKey), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stored) ? stored : end - _timeDelta;
        var poll = _poll ??= await DiscoverAsync(cancellationToken);
        var blocks = new List<string>();
        var message = Poll(begin, end);
        for (var part = 1; message is not null; part++)
        {
            var response = await SendAsync(poll, message, "Poll_Response", cancellationToken);
            // The server says up to when it considered content: its clock, not ours, so a skew skips nothing.
            if (part == 1 && DateTimeOffset.TryParse((string?)response.Element(Taxii + "Inclusive_End_Timestamp"), CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var considered) && considered < end)
                end = considered;
            blocks.AddRange(response.Elements(Taxii + "Content_Block").Select(b => ContentOf(b.Element(Taxii + "Content"))));
            message = (string?)response.Attribute("more") == "true" && (string?)response.Attribute("result_id") is { } resultId
                ? Fulfillment(resultId, part + 1) : null;
        }
        var checkpoint = new Dictionary<string, string?> { [EndKey] = end.ToString("O", CultureInfo.InvariantCulture) };
        // Nothing to hand on, but the window was polled: an empty report stores its end, so the next window does not grow.
        if (blocks.Count == 0)
        {
            yield return new CollectedReport(new Event(MessageKind.Report), Stream.Null) { Checkpoint = checkpoint, Origin = $"{poll} {_collection} (no content block)" };
            yield break;
        }
        for (var i = 0; i < blocks.Count; i++)
        {
            var report = new Event(MessageKind.Report);
            report.TryAdd(FeedUrlField, _discovery.ToString());
            report.Add(FeedNameField, _collection);
            yield return new CollectedReport(report, new MemoryStream(Encoding.UTF8.GetBytes(blocks[i])))
            {
                Checkpoint = i == blocks.Count - 1 ? checkpoint : new Dictionary<string, string?>(),
                Origin = $"{poll} {_collection} (block {i + 1})",
            };
        }
    }

    // A block's content is text (ESET's JSON), or XML (STIX 1.x) kept as it is.
    static string ContentOf(XElement? content) =>
        content is null ? "" : content.HasElements ? string.Concat(content.Nodes().Select(n => n.ToString())) : content.Value;

    XElement Poll(DateTimeOffset begin, DateTimeOffset end) =>
        new(Taxii + "Poll_Request", new XAttribute(XNamespace.Xmlns + "taxii_11", Taxii), new XAttribute("message_id", MessageId()), new XAttribute("collection_name", _collection),
            new XElement(Taxii + "Exclusive_Begin_Timestamp", begin.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)),
            new XElement(Taxii + "Inclusive_End_Timestamp", end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)),
            new XElement(Taxii + "Poll_Parameters", new XAttribute("allow_asynch", "false"), new XElement(Taxii + "Response_Type", "FULL")));

    XElement Fulfillment(string resultId, int part) =>
        new(Taxii + "Poll_Fulfillment", new XAttribute(XNamespace.Xmlns + "taxii_11", Taxii), new XAttribute("message_id", MessageId()),
            new XAttribute("collection_name", _collection), new XAttribute("result_id", resultId), new XAttribute("result_part_number", part));

    static string MessageId() => Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture);

    /// <summary>The address of the POLL service the discovery service names for the XML 1.1 message binding.</summary>
    async Task<Uri> DiscoverAsync(CancellationToken cancellationToken)
    {
        var request = new XElement(Taxii + "Discovery_Request", new XAttribute(XNamespace.Xmlns + "taxii_11", Taxii), new XAttribute("message_id", MessageId()));
        var response = await SendAsync(_discovery, request, "Discovery_Response", cancellationToken);
        foreach (var service in response.Elements(Taxii + "Service_Instance"))
        {
            if ((string?)service.Attribute("service_type") != "POLL" || (string?)service.Attribute("available") == "false") continue;
            if (!service.Elements(Taxii + "Message_Binding").Any(b => b.Value.Trim() == MessageBinding)) continue;
            if (Uri.TryCreate(_discovery, ((string?)service.Element(Taxii + "Address"))?.Trim(), out var address) && address.Scheme is "http" or "https") return address;
        }
        throw new IOException($"{_discovery}: the discovery service names no poll service for the XML 1.1 message binding; set poll_path.");
    }

    /// <exception cref="IOException">The server answered with a Status_Message (a refused login, an unknown collection) or not with <paramref name="expected"/>.</exception>
    async Task<XElement> SendAsync(Uri url, XElement message, string expected, CancellationToken cancellationToken)
    {
        var body = message.ToString(SaveOptions.DisableFormatting);
        using var response = await _http.SendAsync(() =>
        {
            // TAXII 1.1's HTTP binding: the message and accepted bindings in X-TAXII-* headers beside the media type.
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/xml")) };
            request.Headers.Authorization = _authorization;
            request.Headers.Accept.ParseAdd("application/xml");
            request.Headers.Add("X-TAXII-Content-Type", MessageBinding);
            request.Headers.Add("X-TAXII-Accept", MessageBinding);
            request.Headers.Add("X-TAXII-Services", "urn:taxii.mitre.org:services:1.1");
            request.Headers.Add("X-TAXII-Protocol", url.Scheme == "https" ? "urn:taxii.mitre.org:protocol:https:1.0" : "urn:taxii.mitre.org:protocol:http:1.0");
            return request;
        }, cancellationToken);
        XElement answer;
        try
        {
            answer = XElement.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (System.Xml.XmlException ex)
        {
            throw new IOException($"{url}: the answer is no TAXII message: {ex.Message}", ex);
        }
        if (answer.Name == Taxii + "Status_Message")
            throw new IOException($"{url}: TAXII status {(string?)answer.Attribute("status_type")}: {(string?)answer.Element(Taxii + "Message")}");
        if (answer.Name != Taxii + expected)
            throw new IOException($"{url}: expected a {expected}, got {answer.Name.LocalName}");
        return answer;
    }

    public void Dispose() => _http.Dispose();
}
