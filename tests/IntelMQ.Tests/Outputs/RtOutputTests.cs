using System.Net;
using System.Net.Sockets;
using IntelMQ.Core;
using IntelMQ.Outputs.Rt;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace IntelMQ.Tests.Outputs;

public sealed class RtOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// Answers as RT's REST 1.0 API is documented to: HTTP 200 with RT's own status line ("RT/4.4.3 200 Ok"), a login
    /// at the base URL with user and pass that sets the session cookie, "401 Credentials required" without it,
    /// "# Ticket N created." for ticket/new, "# Could not create ticket." with the reason for a ticket it refuses (here:
    /// the custom field IP 192.0.2.66, and any queue but Incidents and Investigations).
    /// </summary>
    sealed class RtServer
    {
        public readonly List<Dictionary<string, string>> Tickets = [];
        public readonly List<string> Requests = [];
        public int SessionsEnded, FailLinks;
        int _next = 100;
        string? _session;

        public async Task Answer(LocalHttpServer.Received request, HttpResponse response)
        {
            response.ContentType = "text/plain; charset=utf-8";
            var path = request.PathAndQuery;
            Requests.Add(path);
            var form = QueryHelpers.ParseQuery(request.Body).ToDictionary(p => p.Key, p => p.Value.ToString());
            if (path == "/REST/1.0/")
            {
                if (form.GetValueOrDefault("user") == "intelmq" && form.GetValueOrDefault("pass") == "secret")
                {
                    _session = Guid.NewGuid().ToString("N");
                    response.Headers.Append("Set-Cookie", $"RT_SID_test={_session}; path=/");
                    await response.WriteAsync("RT/4.4.3 200 Ok\n\n");
                }
                else await response.WriteAsync("RT/4.4.3 401 Credentials required\n");
                return;
            }
            if (_session is null || request.Headers.GetValueOrDefault("Cookie") != $"RT_SID_test={_session}")
            {
                await response.WriteAsync("RT/4.4.3 401 Credentials required\n");
                return;
            }
            if (path == "/REST/1.0/ticket/new")
            {
                var ticket = Fields(form["content"]);
                if (ticket.GetValueOrDefault("Queue") is not ("Incidents" or "Investigations"))
                    await response.WriteAsync($"RT/4.4.3 200 Ok\n\n# Could not create ticket.\n# Could not create ticket. Queue not set\n\n");
                else if (ticket.GetValueOrDefault("CF-IP") == "192.0.2.66")
                    await response.WriteAsync("RT/4.4.3 200 Ok\n\n# Could not create ticket.\n# Invalid value for custom field IP\n\n");
                else
                {
                    ticket["id"] = (++_next).ToString();
                    Tickets.Add(ticket);
                    await response.WriteAsync($"RT/4.4.3 200 Ok\n\n# Ticket {_next} created.\n\n");
                }
                return;
            }
            if (path == "/REST/1.0/ticket/link")
            {
                if (FailLinks-- > 0)
                {
                    response.StatusCode = 503;
                    await response.WriteAsync("Service Unavailable");
                    return;
                }
                Tickets.Single(t => t["id"] == form["id"])[form["rel"]] = form["to"];
                await response.WriteAsync($"RT/4.4.3 200 Ok\n\n# Links for ticket {form["id"]} updated.\n\n");
                return;
            }
            if (path.EndsWith("/edit", StringComparison.Ordinal))
            {
                var id = path.Split('/')[^2];
                foreach (var (name, value) in Fields(form["content"])) Tickets.Single(t => t["id"] == id)[name] = value;
                await response.WriteAsync($"RT/4.4.3 200 Ok\n\n# Ticket {id} updated.\n\n");
                if (SessionsEnded-- > 0) _session = null; // the session expires after this request
                return;
            }
            if (path == "/REST/1.0/user/intelmq")
            {
                await response.WriteAsync("RT/4.4.3 200 Ok\n\nid: user/22\nName: intelmq\n");
                return;
            }
            await response.WriteAsync("RT/4.4.3 400 Bad Request\n");
        }

        /// <summary>RT's content format: "Name: value" lines, further lines of a value indented by a space.</summary>
        static Dictionary<string, string> Fields(string content)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            string? last = null;
            foreach (var line in content.Split('\n'))
            {
                if (line.StartsWith(' ') && last is not null) fields[last] += "\n" + line[1..];
                else if (line.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0) fields[last = line[..colon]] = line[(colon + 2)..];
            }
            return fields;
        }
    }

    static RtOutput Output(Uri address, RtOutputOptions? options = null) =>
        new((options ?? new()) with { RtUri = new Uri(address, "/REST/1.0/").ToString(), RtUser = "intelmq", RtPassword = new("secret"), HttpTimeoutSec = 10 }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(RtOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(string ip = "192.0.2.1")
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, ip);
        ev.Add(DhoMapping.ToIdf("classification.taxonomy")!, "malicious-code");
        ev.Add(DhoMapping.ToIdf("classification.type")!, "c2-server");
        ev.Add(DhoMapping.ToIdf("event_description.text")!, "A C2 server\nof njrat");
        ev.Add(DhoMapping.ToIdf("source.abuse_contact")!, "abuse@example.net");
        ev.Add(Event.OriginalField, "raw");
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public async Task Each_event_is_a_ticket_with_its_fields_as_text_and_custom_fields_then_resolved()
    {
        var rt = new RtServer();
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address);

        var results = await Write(output, [NewEvent("192.0.2.1"), NewEvent("192.0.2.2")]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(2, rt.Tickets.Count);
        var ticket = rt.Tickets[0];
        Assert.Equal("Incidents", ticket["Queue"]);
        Assert.Equal("malicious-code c2-server 192.0.2.1", ticket["Subject"]);
        Assert.Equal("c2-server", ticket["CF-Incident Type"]);
        Assert.Equal("192.0.2.1", ticket["CF-IP"]);
        Assert.Equal("A C2 server\nof njrat", ticket["CF-Description"]);
        Assert.Contains("\nsource.ip: 192.0.2.1", "\n" + ticket["Text"]);
        Assert.Contains("event_description.text: A C2 server\nof njrat", ticket["Text"]);
        Assert.DoesNotContain("raw", ticket["Text"]);
        Assert.Equal("resolved", ticket["Status"]);
        Assert.Equal(1, rt.Requests.Count(r => r == "/REST/1.0/"));
    }

    [Fact]
    public async Task A_ticket_rt_refuses_goes_to_the_dump_with_rts_reason_and_the_others_are_written()
    {
        var rt = new RtServer();
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address);

        var results = await Write(output, [NewEvent("192.0.2.1"), NewEvent("192.0.2.66"), NewEvent("192.0.2.3")]);

        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Equal(WriteStatus.Refused, results[1].Status);
        Assert.Contains("Invalid value for custom field IP", results[1].Reason);
        Assert.Equal(WriteResult.Written, results[2]);
        Assert.Equal(2, rt.Tickets.Count);
    }

    [Fact]
    public async Task A_queue_rt_does_not_know_refuses_every_event_never_acknowledges_it()
    {
        var rt = new RtServer();
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address, new() { Queue = "General" });

        var results = await Write(output, [NewEvent()]);

        Assert.Equal(WriteStatus.Refused, results[0].Status);
        Assert.Contains("Queue not set", results[0].Reason);
    }

    [Fact]
    public async Task An_expired_session_is_renewed_by_logging_in_again()
    {
        var rt = new RtServer { SessionsEnded = 1 };
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address);

        var results = await Write(output, [NewEvent("192.0.2.1"), NewEvent("192.0.2.2")]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(2, rt.Requests.Count(r => r == "/REST/1.0/"));
        Assert.Equal(2, rt.Tickets.Count);
    }

    [Fact]
    public async Task A_wrong_password_or_rt_unreachable_is_transient_not_a_refusal()
    {
        var rt = new RtServer();
        await using (var server = await LocalHttpServer.StartAsync(rt.Answer))
        {
            using var wrong = new RtOutput(new() { RtUri = new Uri(server.Address, "/REST/1.0/").ToString(), RtUser = "intelmq", RtPassword = new("wrong") }, ProgramContext.Default);
            var refused = await Assert.ThrowsAsync<TransientException>(() => Write(wrong, [NewEvent()]));
            Assert.Contains("Credentials required", refused.Message);
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var output = Output(new Uri($"http://127.0.0.1:{port}/"));

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent()]));
        Assert.Empty(rt.Tickets);
    }

    [Fact]
    public async Task An_investigation_to_the_abuse_contact_joins_the_incident_and_a_retry_after_a_failed_link_creates_no_second_incident()
    {
        var rt = new RtServer { FailLinks = 1 };
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address, new() { CreateInvestigation = true });
        var ev = NewEvent();

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [ev]));
        var results = await Write(output, [ev]);

        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Equal(2, rt.Tickets.Count);
        var (incident, investigation) = (rt.Tickets[0], rt.Tickets[1]);
        Assert.Equal("Investigations", investigation["Queue"]);
        Assert.Equal("abuse@example.net", investigation["Requestor"]);
        Assert.StartsWith("A C2 server\nof njrat\n\n", investigation["Text"]);
        Assert.Contains("source.ip: 192.0.2.1", investigation["Text"]);
        Assert.Equal(incident["id"], investigation["MemberOf"]);
        Assert.Equal("resolved", incident["Status"]);
    }

    [Fact]
    public async Task The_health_check_logs_in_and_finds_the_user()
    {
        var rt = new RtServer();
        await using var server = await LocalHttpServer.StartAsync(rt.Answer);
        using var output = Output(server.Address);

        await output.CheckAsync(Cancel);

        Assert.Contains("/REST/1.0/user/intelmq", rt.Requests);
    }
}
