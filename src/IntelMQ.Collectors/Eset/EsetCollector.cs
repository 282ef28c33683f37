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
        Every run sends a TAXII 1.1 Poll_Request (XML message binding, HTTP basic authentication with username and
        password) for collection to endpoint's poll service, for the time from the end of the last window handed on
        (the first run: time_delta seconds back) until now, and hands on the content of every Content_Block as one
        report (ESET's JSON, which the ESET parser reads). A response marked more="true" is followed by
        Poll_Fulfillment requests for its further parts. The window's end is stored once the last report is handed
        on, so a crash polls the same window again and no block is skipped. A Status_Message from the server (a
        refused login, an unknown collection) fails the run with its status and message. feed.* come from name,
        provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run eset-collector --set username=USER --set password=PASSWORD --set collection='ei.urls (json)' --output file:reports.jsonl",
    ])]
public sealed class EsetCollector : ICollector, IDisposable
{
    const string EndKey = "end";
    static readonly XNamespace Taxii = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly string _name;
    readonly string _url;
    readonly string _collection;
    readonly TimeSpan _timeDelta;
    readonly AuthenticationHeaderValue _authorization;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;

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
        if (!Uri.TryCreate(root.TrimEnd('/') + "/" + options.PollPath.TrimStart('/'), UriKind.Absolute, out var url))
            throw new ConfigurationException($"{_name}: endpoint '{options.Endpoint}' is neither a host name nor a URL.");
        _url = url.ToString();
        _collection = collection;
        _timeDelta = TimeSpan.FromSeconds(options.TimeDelta);
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password.Reveal()}")));
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = _context.Clock.GetUtcNow();
        var begin = DateTimeOffset.TryParse(state.Get(EndKey), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stored) ? stored : end - _timeDelta;
        var blocks = new List<string>();
        var message = Poll(begin, end);
        for (var part = 1; message is not null; part++)
        {
            var response = await SendAsync(message, cancellationToken);
            blocks.AddRange(response.Elements(Taxii + "Content_Block").Select(b => ContentOf(b.Element(Taxii + "Content"))));
            message = (string?)response.Attribute("more") == "true" && (string?)response.Attribute("result_id") is { } resultId
                ? Fulfillment(resultId, part + 1) : null;
        }
        var checkpoint = new Dictionary<string, string?> { [EndKey] = end.ToString("O", CultureInfo.InvariantCulture) };
        for (var i = 0; i < blocks.Count; i++)
        {
            var report = new Event(MessageKind.Report);
            report.TryAdd(FeedUrlField, _url);
            yield return new CollectedReport(report, new MemoryStream(Encoding.UTF8.GetBytes(blocks[i])))
            {
                Checkpoint = i == blocks.Count - 1 ? checkpoint : new Dictionary<string, string?>(),
                Origin = $"{_url} {_collection} (block {i + 1})",
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

    /// <exception cref="IOException">The server answered with a Status_Message (a refused login, an unknown collection) or no TAXII message.</exception>
    async Task<XElement> SendAsync(XElement message, CancellationToken cancellationToken)
    {
        var body = message.ToString(SaveOptions.DisableFormatting);
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new StringContent(body, Encoding.UTF8, "application/xml") };
            request.Headers.Authorization = _authorization;
            request.Headers.Add("X-TAXII-Content-Type", "urn:taxii.mitre.org:message:xml:1.1");
            request.Headers.Add("X-TAXII-Accept", "urn:taxii.mitre.org:message:xml:1.1");
            request.Headers.Add("X-TAXII-Services", "urn:taxii.mitre.org:services:1.1");
            request.Headers.Add("X-TAXII-Protocol", _url.StartsWith("https:", StringComparison.Ordinal) ? "urn:taxii.mitre.org:protocol:https:1.0" : "urn:taxii.mitre.org:protocol:http:1.0");
            return request;
        }, cancellationToken);
        XElement answer;
        try
        {
            answer = XElement.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (System.Xml.XmlException ex)
        {
            throw new IOException($"{_url}: the answer is no TAXII message: {ex.Message}", ex);
        }
        if (answer.Name == Taxii + "Status_Message")
            throw new IOException($"{_url}: TAXII status {(string?)answer.Attribute("status_type")}: {(string?)answer.Element(Taxii + "Message")}");
        if (answer.Name != Taxii + "Poll_Response")
            throw new IOException($"{_url}: expected a Poll_Response, got {answer.Name.LocalName}");
        return answer;
    }

    public void Dispose() => _http.Dispose();
}
