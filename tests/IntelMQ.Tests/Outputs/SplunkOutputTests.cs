using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Splunk;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Outputs;

public sealed class SplunkOutputTests
{
    const string Token = "12345678-1234-1234-1234-123456789012";

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static SplunkOutput Output(Uri address, SplunkOutputOptions? options = null) =>
        new((options ?? new()) with { HecUrl = address.AbsoluteUri, Token = new(Token), HttpTimeoutSec = 10 }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(SplunkOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("time.source")!, "2024-05-01T12:00:00.25+00:00");
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i % 250 + 1}");
        ev.Add("comment", $"event {i}");
        return ev;
    }

    /// <summary>Answers as Splunk's HEC documents: {"text":"Success","code":0} (with an ackId when a channel is given).</summary>
    static Task<LocalHttpServer> Hec(Func<LocalHttpServer.Received, HttpResponse, Task>? other = null) => LocalHttpServer.StartAsync(async (request, response) =>
    {
        response.ContentType = "application/json";
        if (other is not null) await other(request, response);
        else if (request.PathAndQuery == "/services/collector/health") await response.WriteAsync("""{"text":"HEC is healthy","code":17}""");
        else await response.WriteAsync("""{"text":"Success","code":0}""");
    });

    [Fact]
    public async Task A_batch_is_one_request_of_hec_events_with_the_token_index_and_sourcetype()
    {
        await using var server = await Hec();
        using var output = Output(server.Address, new() { Index = "intelmq", Source = "intelmq-pipeline" });

        var results = await Write(output, [.. Enumerable.Range(0, 50).Select(NewEvent)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var request = Assert.Single(server.Requests);
        Assert.Equal("/services/collector/event", request.PathAndQuery);
        Assert.Equal($"Splunk {Token}", request.Headers["Authorization"]);
        var lines = request.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(50, lines.Length);
        var first = JsonNode.Parse(lines[3])!;
        Assert.Equal(1714564800.25m, (decimal)first["time"]!);
        Assert.Equal("intelmq", (string?)first["index"]);
        Assert.Equal("intelmq:event", (string?)first["sourcetype"]);
        Assert.Equal("intelmq-pipeline", (string?)first["source"]);
        Assert.Equal("event 3", (string?)first["event"]!["comment"]);
        Assert.Equal("192.0.2.4", (string?)first["event"]!["source"]!["ip"]);
    }

    [Fact]
    public async Task An_invalid_event_is_refused_with_splunks_reason_the_ones_before_written_and_the_rest_retried()
    {
        await using var server = await Hec((_, response) =>
        {
            response.StatusCode = 400;
            return response.WriteAsync("""{"text":"Invalid data format","code":6,"invalid-event-number":2}""");
        });
        using var output = Output(server.Address);

        var results = await Write(output, [.. Enumerable.Range(0, 5).Select(NewEvent)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Written, WriteStatus.Refused, WriteStatus.Retry, WriteStatus.Retry], results.Select(r => r.Status));
        Assert.Equal("splunk-output: Invalid data format (code 6)", results[2].Reason);
    }

    [Fact]
    public async Task With_use_ack_events_count_as_written_once_splunk_acknowledges_them()
    {
        var polls = 0;
        await using var server = await Hec(async (request, response) =>
        {
            if (request.PathAndQuery == "/services/collector/event") await response.WriteAsync("""{"text":"Success","code":0,"ackId":7}""");
            else await response.WriteAsync(++polls < 3 ? """{"acks":{"7":false}}""" : """{"acks":{"7":true}}""");
        });
        using var output = Output(server.Address, new() { UseAck = true });

        var results = await Write(output, [.. Enumerable.Range(0, 5).Select(NewEvent)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var requests = server.Requests.ToList();
        Assert.Equal(4, requests.Count);
        Assert.True(Guid.TryParse(requests[0].Headers["X-Splunk-Request-Channel"], out _));
        Assert.Equal("/services/collector/ack", requests[1].PathAndQuery);
        Assert.Equal("""{"acks":[7]}""", requests[1].Body);
        Assert.Equal(requests[0].Headers["X-Splunk-Request-Channel"], requests[3].Headers["X-Splunk-Request-Channel"]);
    }

    [Fact]
    public async Task With_use_ack_a_batch_never_acknowledged_is_retried()
    {
        await using var server = await Hec(async (request, response) =>
            await response.WriteAsync(request.PathAndQuery == "/services/collector/event" ? """{"text":"Success","code":0,"ackId":1}""" : """{"acks":{"1":false}}"""));
        using var output = Output(server.Address, new() { UseAck = true, AckTimeoutSec = 1 });

        var results = await Write(output, [NewEvent(0), NewEvent(1)]);

        Assert.All(results, r => Assert.Equal(WriteStatus.Retry, r.Status));
        Assert.Contains("not acknowledged", results[0].Reason);
    }

    [Theory]
    [InlineData(503, """{"text":"Server is busy","code":9}""")]
    [InlineData(403, """{"text":"Invalid token","code":4}""")]
    public async Task A_busy_server_or_a_refused_token_is_a_transient_failure(int status, string answer)
    {
        await using var server = await Hec((_, response) =>
        {
            response.StatusCode = status;
            return response.WriteAsync(answer);
        });
        using var output = Output(server.Address);

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));

        Assert.Contains($"{status}", error.Message);
    }

    [Fact]
    public async Task An_unreachable_collector_is_a_transient_failure()
    {
        using var output = Output(new Uri($"http://127.0.0.1:{Channels.RedisServer.FreePort()}/"));

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
    }

    [Fact]
    public async Task The_health_check_asks_the_collectors_health_endpoint()
    {
        await using var server = await Hec();
        using var output = Output(server.Address);

        await output.CheckAsync(Cancel);

        Assert.Equal("/services/collector/health", Assert.Single(server.Requests).PathAndQuery);
        await using var unhealthy = await Hec((_, response) => { response.StatusCode = 503; return response.WriteAsync("""{"text":"HEC is unhealthy, queues are full","code":18}"""); });
        using var busy = Output(unhealthy.Address);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => busy.CheckAsync(Cancel).AsTask());
        Assert.Contains("queues are full", error.Message);
    }

    [Fact]
    public void A_missing_token_is_refused_at_construction()
    {
        var error = Assert.Throws<ConfigurationException>(() => new SplunkOutput(new() { HecUrl = "https://splunk.example.org:8088" }, ProgramContext.Default));

        Assert.Contains("option 'token'", error.Message);
    }

    /// <summary>Against a real Splunk when INTELMQ_TEST_SPLUNK gives its collector (https://host:8088) and INTELMQ_TEST_SPLUNK_TOKEN a token with acknowledgement enabled.</summary>
    [Fact]
    public async Task A_real_collector_acknowledges_the_batch()
    {
        var address = Environment.GetEnvironmentVariable("INTELMQ_TEST_SPLUNK");
        var token = Environment.GetEnvironmentVariable("INTELMQ_TEST_SPLUNK_TOKEN");
        Assert.SkipWhen(string.IsNullOrEmpty(address) || string.IsNullOrEmpty(token), "INTELMQ_TEST_SPLUNK (e.g. https://127.0.0.1:8088) and INTELMQ_TEST_SPLUNK_TOKEN are not set: no Splunk can be installed here; the local stand-in tests cover the protocol.");
        using var output = new SplunkOutput(new() { HecUrl = address!, Token = new(token!), UseAck = true, HttpVerifyCert = false }, ProgramContext.Default);

        await output.CheckAsync(Cancel);
        var results = await Write(output, [.. Enumerable.Range(0, 10).Select(NewEvent)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
    }
}
