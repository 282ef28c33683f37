using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// A TAXII 1.1 server as ESET Threat Intelligence runs one (discovery at /taxiiservice/discovery, HTTP basic
/// authentication), written from the TAXII 1.1 XML message binding schema and the HTTP protocol binding: it answers
/// Discovery_Request, Poll_Request and Poll_Fulfillment, one content block a response part, and answers a request
/// whose headers or message the specifications do not allow with a BAD_MESSAGE status naming what is wrong.
/// </summary>
public sealed partial class Taxii11Server
{
    public const string User = "cert", Password = "secret", Collection = "ei.urls (json)";
    public static readonly XNamespace Taxii = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";
    const string MessageBinding = "urn:taxii.mitre.org:message:xml:1.1";

    /// <summary>The content blocks of the collection with their timestamp labels.</summary>
    public List<(DateTimeOffset Label, string Content)> Blocks { get; } = [];

    /// <summary>The poll service's path, as the discovery service names it.</summary>
    public string PollPath { get; set; } = "/taxiiservice/poll";

    /// <summary>The server's clock: the latest content a poll considers, when earlier than the request's end.</summary>
    public DateTimeOffset? Now { get; set; }

    /// <summary>Runs as a Poll_Request is answered, before the answer is sent.</summary>
    public Action? Polling { get; set; }

    /// <summary>Every message received, valid or not.</summary>
    public List<XElement> Requests { get; } = [];

    readonly Dictionary<string, List<string>> _results = [];

    public async Task AnswerAsync(HttpContext context)
    {
        var text = await new StreamReader(context.Request.Body).ReadToEndAsync();
        context.Response.ContentType = "application/xml";
        context.Response.Headers["X-TAXII-Content-Type"] = MessageBinding;
        XElement request;
        try
        {
            request = XElement.Parse(text);
        }
        catch (System.Xml.XmlException ex)
        {
            await context.Response.WriteAsync(Status("BAD_MESSAGE", "0", $"not XML: {ex.Message}").ToString());
            return;
        }
        lock (Requests) Requests.Add(request);
        XElement answer;
        lock (Blocks) answer = Answer(context.Request, request);
        await context.Response.WriteAsync(answer.ToString());
    }

    XElement Answer(HttpRequest http, XElement request)
    {
        var id = (string?)request.Attribute("message_id") ?? "0";
        if (http.Headers.Authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")))
            return Status("UNAUTHORIZED", id, "Authentication failed");
        if (HeaderProblem(http) is { } header) return Status("BAD_MESSAGE", id, header);
        if (string.IsNullOrEmpty((string?)request.Attribute("message_id"))) return Status("BAD_MESSAGE", id, "message_id is required");
        if (http.Path == "/taxiiservice/discovery")
            return request.Name == Taxii + "Discovery_Request" && !request.HasElements
                ? Discovery(http, id)
                : Status("BAD_MESSAGE", id, $"the discovery service takes a Discovery_Request without content, got {request.Name}");
        if (http.Path != PollPath) return Status("NOT_FOUND", id, $"no service at {http.Path}");
        if (request.Name == Taxii + "Poll_Request")
        {
            if (PollProblem(request) is { } problem) return Status("BAD_MESSAGE", id, problem);
            if ((string?)request.Attribute("collection_name") != Collection) return Status("NOT_FOUND", id, "No such collection");
            Polling?.Invoke();
            return Poll(request, id);
        }
        if (request.Name == Taxii + "Poll_Fulfillment")
        {
            if ((string?)request.Attribute("collection_name") != Collection || (string?)request.Attribute("result_id") is not { } resultId
                || !_results.TryGetValue(resultId, out var parts) || !int.TryParse((string?)request.Attribute("result_part_number"), out var part) || part < 1 || part > parts.Count)
                return Status("INVALID_RESPONSE_PART", id, "no such result part");
            return Response(id, resultId, part, parts);
        }
        return Status("UNSUPPORTED_MESSAGE", id, $"a poll service does not take {request.Name.LocalName}");
    }

    // The HTTP protocol binding: the media type, and the X-TAXII-* headers naming the bindings of the exchange.
    static string? HeaderProblem(HttpRequest http)
    {
        if (http.Method != "POST") return "TAXII messages are POSTed";
        if (http.ContentType?.Split(';')[0].Trim() != "application/xml") return $"Content-Type must be application/xml, got {http.ContentType}";
        if (!http.Headers.Accept.ToString().Contains("application/xml", StringComparison.Ordinal)) return "Accept must include application/xml";
        if (http.Headers["X-TAXII-Content-Type"] != MessageBinding) return "X-TAXII-Content-Type must be the XML 1.1 message binding";
        if (!http.Headers["X-TAXII-Accept"].ToString().Contains(MessageBinding, StringComparison.Ordinal)) return "X-TAXII-Accept must include the XML 1.1 message binding";
        if (http.Headers["X-TAXII-Services"] != "urn:taxii.mitre.org:services:1.1") return "X-TAXII-Services must be services:1.1";
        if (http.Headers["X-TAXII-Protocol"] != $"urn:taxii.mitre.org:protocol:{http.Scheme}:1.0") return "X-TAXII-Protocol must name the request's protocol";
        return null;
    }

    // TAXIIPollRequestType: Exclusive_Begin_Timestamp?, Inclusive_End_Timestamp?, then exactly one of Subscription_ID
    // and Poll_Parameters (Response_Type?, Content_Binding*, Query?, Delivery_Parameters?; allow_asynch), in this order.
    static string? PollProblem(XElement request)
    {
        if (string.IsNullOrEmpty((string?)request.Attribute("collection_name"))) return "collection_name is required";
        var children = request.Elements().Select(e => e.Name.LocalName).ToList();
        string[] order = ["Exclusive_Begin_Timestamp", "Inclusive_End_Timestamp", "Poll_Parameters"];
        if (request.Elements().Any(e => e.Name.Namespace != Taxii) || children.Any(c => !order.Contains(c)) || children.Distinct().Count() != children.Count
            || !children.SequenceEqual(children.OrderBy(c => Array.IndexOf(order, c))))
            return $"elements {string.Join(", ", children)} are not Exclusive_Begin_Timestamp?, Inclusive_End_Timestamp?, Poll_Parameters in this order";
        foreach (var name in order[..2])
            if (request.Element(Taxii + name) is { } stamp && !TimestampLabel().IsMatch(stamp.Value)) return $"{name} '{stamp.Value}' is no TimestampLabelType";
        if (request.Element(Taxii + "Poll_Parameters") is not { } parameters) return "Poll_Parameters (or Subscription_ID) is required";
        if ((string?)parameters.Attribute("allow_asynch") is { } asynch and not ("true" or "false")) return $"allow_asynch '{asynch}' is no boolean";
        if (parameters.Element(Taxii + "Response_Type") is { } type && type.Value is not ("FULL" or "COUNT_ONLY")) return $"Response_Type '{type.Value}' is neither FULL nor COUNT_ONLY";
        return null;
    }

    XElement Discovery(HttpRequest http, string id) =>
        new(Taxii + "Discovery_Response", new XAttribute("message_id", NewId()), new XAttribute("in_response_to", id),
            Service("DISCOVERY", $"{http.Scheme}://{http.Host}/taxiiservice/discovery", http.Scheme),
            Service("POLL", $"{http.Scheme}://{http.Host}{PollPath}", http.Scheme));

    static XElement Service(string type, string address, string scheme) =>
        new(Taxii + "Service_Instance", new XAttribute("service_type", type), new XAttribute("service_version", "urn:taxii.mitre.org:services:1.1"), new XAttribute("available", "true"),
            new XElement(Taxii + "Protocol_Binding", $"urn:taxii.mitre.org:protocol:{scheme}:1.0"), new XElement(Taxii + "Address", address),
            new XElement(Taxii + "Message_Binding", MessageBinding));

    XElement Poll(XElement request, string id)
    {
        var begin = (string?)request.Element(Taxii + "Exclusive_Begin_Timestamp") is { } b ? Parse(b) : DateTimeOffset.MinValue;
        var end = (string?)request.Element(Taxii + "Inclusive_End_Timestamp") is { } e ? Parse(e) : DateTimeOffset.MaxValue;
        if (Now is { } now && now < end) end = now;
        var parts = Blocks.Where(block => block.Label > begin && block.Label <= end).OrderBy(block => block.Label).Select(block => block.Content).ToList();
        var resultId = NewId();
        _results[resultId] = parts;
        var response = Response(id, resultId, 1, parts);
        response.AddFirst(new XElement(Taxii + "Inclusive_End_Timestamp", Format(end)));
        return response;
    }

    static XElement Response(string id, string resultId, int part, List<string> parts) =>
        new(Taxii + "Poll_Response", new XAttribute("message_id", NewId()), new XAttribute("in_response_to", id), new XAttribute("collection_name", Collection),
            new XAttribute("more", part < parts.Count ? "true" : "false"), new XAttribute("result_id", resultId), new XAttribute("result_part_number", part),
            parts.Count == 0 ? null : new XElement(Taxii + "Content_Block",
                new XElement(Taxii + "Content_Binding", new XAttribute("binding_id", "urn:eset.com:json")), new XElement(Taxii + "Content", parts[part - 1])));

    static XElement Status(string type, string id, string message) =>
        new(Taxii + "Status_Message", new XAttribute("message_id", NewId()), new XAttribute("in_response_to", id), new XAttribute("status_type", type),
            new XElement(Taxii + "Message", message));

    static string NewId() => Guid.NewGuid().ToString("N");

    public static DateTimeOffset Parse(string stamp) => DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(((\+|-)[0-9]{2}:[0-9]{2})|Z)$")]
    private static partial Regex TimestampLabel();
}
