using System.Text;
using System.Xml.Linq;
using IntelMQ.Collectors.Eset;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The ESET collector against a Kestrel server answering as a TAXII 1.1 poll service (XML message binding).</summary>
public sealed class EsetCollectorTests : IDisposable
{
    static readonly XNamespace Taxii = "http://taxii.mitre.org/messages/taxii_xml_binding-1.1";
    readonly CollectorRun _run = new();
    readonly List<XElement> _requests = [];

    public void Dispose() => _run.Dispose();

    static EsetCollectorOptions Options(FeedServer server, string password = "secret") => new()
    {
        Username = "cert", Password = new(password), Endpoint = server.Url(""), Collection = "ei.urls (json)",
    };

    async Task AnswerAsync(HttpContext context)
    {
        var request = XElement.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync());
        lock (_requests) _requests.Add(request);
        context.Response.ContentType = "application/xml";
        context.Response.Headers["X-TAXII-Content-Type"] = "urn:taxii.mitre.org:message:xml:1.1";
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("cert:secret"));
        XElement answer;
        if (context.Request.Path != "/taxiiservice/poll" || context.Request.Headers.Authorization != expected
            || context.Request.Headers["X-TAXII-Content-Type"] != "urn:taxii.mitre.org:message:xml:1.1")
            answer = new XElement(Taxii + "Status_Message", new XAttribute("status_type", "UNAUTHORIZED"), new XElement(Taxii + "Message", "Authentication failed"));
        else if (request.Name == Taxii + "Poll_Request" && (string?)request.Attribute("collection_name") == "ei.urls (json)")
            answer = Response(more: true, "[{\"url\": \"http://malicious.example/a\"}]");
        else if (request.Name == Taxii + "Poll_Fulfillment" && (string?)request.Attribute("result_id") == "r1" && (string?)request.Attribute("result_part_number") == "2")
            answer = Response(more: false, "[{\"url\": \"http://malicious.example/b\"}]");
        else answer = new XElement(Taxii + "Status_Message", new XAttribute("status_type", "NOT_FOUND"), new XElement(Taxii + "Message", "No such collection"));
        await context.Response.WriteAsync(answer.ToString());
    }

    static XElement Response(bool more, string content) =>
        new(Taxii + "Poll_Response", new XAttribute("collection_name", "ei.urls (json)"), new XAttribute("more", more ? "true" : "false"), new XAttribute("result_id", "r1"),
            new XElement(Taxii + "Content_Block", new XElement(Taxii + "Content_Binding", new XAttribute("binding_id", "urn:eset.com:json")), new XElement(Taxii + "Content", content)));

    [Fact]
    public async Task Every_content_block_of_every_part_is_a_report_and_the_next_run_polls_from_the_last_end()
    {
        await using var server = await FeedServer.StartAsync(AnswerAsync);

        await _run.CollectAsync("intelmq.bots.collectors.eset.collector", Options(server), TestContext.Current.CancellationToken);
        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        Assert.Equal(["[{\"url\": \"http://malicious.example/a\"}]", "[{\"url\": \"http://malicious.example/b\"}]", "[{\"url\": \"http://malicious.example/a\"}]", "[{\"url\": \"http://malicious.example/b\"}]"],
            _run.Reports().Select(r => (string)r["event.original"]!));
        var polls = _requests.Where(r => r.Name == Taxii + "Poll_Request").ToList();
        Assert.Equal(2, polls.Count);
        Assert.Equal((string?)polls[0].Element(Taxii + "Inclusive_End_Timestamp"), (string?)polls[1].Element(Taxii + "Exclusive_Begin_Timestamp"));
        var first = DateTimeOffset.Parse((string)polls[0].Element(Taxii + "Exclusive_Begin_Timestamp")!);
        var firstEnd = DateTimeOffset.Parse((string)polls[0].Element(Taxii + "Inclusive_End_Timestamp")!);
        Assert.Equal(TimeSpan.FromHours(1), firstEnd - first);
    }

    [Fact]
    public async Task A_refused_login_fails_the_run_with_the_TAXII_status()
    {
        await using var server = await FeedServer.StartAsync(AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("eset-collector", Options(server, "wrong"), TestContext.Current.CancellationToken));

        Assert.Contains("UNAUTHORIZED: Authentication failed", error.Message);
        Assert.Null(_run.State("end"));
    }
}
