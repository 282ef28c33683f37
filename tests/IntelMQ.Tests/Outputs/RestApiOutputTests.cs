using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.RestApi;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Outputs;

public sealed class RestApiOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static RestApiOutput Output(LocalHttpServer server, RestApiOutputOptions? options = null) =>
        new((options ?? new()) with { Host = new Uri(server.Address, "/api/events").AbsoluteUri, HttpTimeoutSec = 10 });

    static async Task<WriteResult[]> Write(RestApiOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.asn")!, 64496L);
        ev.Add(Event.OriginalField, "original line");
        return ev;
    }

    static Task<LocalHttpServer> Server(Func<LocalHttpServer.Received, int>? status = null, string? retryAfter = null) => LocalHttpServer.StartAsync((request, response) =>
    {
        response.StatusCode = status?.Invoke(request) ?? 200;
        if (retryAfter is not null) response.Headers.RetryAfter = retryAfter;
        return response.WriteAsync(response.StatusCode < 300 ? "ok" : "no");
    });

    [Fact]
    public async Task Each_event_is_one_post_of_intelmqs_json_with_the_auth_header()
    {
        await using var server = await Server();
        using var output = Output(server, new() { AuthType = "http_header", AuthTokenName = "X-Api-Key", AuthToken = new("t0ken") });

        var results = await Write(output, [NewEvent(0), NewEvent(1)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var requests = server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal("POST", requests[0].Method);
        Assert.Equal("/api/events", requests[0].PathAndQuery);
        Assert.Equal("t0ken", requests[0].Headers["X-Api-Key"]);
        Assert.StartsWith("application/json", requests[0].Headers["Content-Type"]);
        var json = JsonNode.Parse(requests[1].Body)!.AsObject();
        Assert.Equal("192.0.2.2", (string?)json["source.ip"]);
        Assert.Equal(64496, (int)json["source.asn"]!);
        Assert.False(json.ContainsKey("raw"));
        Assert.False(json.ContainsKey("__type"));
    }

    [Fact]
    public async Task Basic_auth_hierarchical_output_and_a_batch_as_one_json_array()
    {
        await using var server = await Server();
        using var output = Output(server, new() { AuthType = "http_basic_auth", AuthTokenName = "intelmq", AuthToken = new("pw"), HierarchicalOutput = true, Batch = true });

        await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        var request = Assert.Single(server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String("intelmq:pw"u8.ToArray()), request.Headers["Authorization"]);
        var array = JsonNode.Parse(request.Body)!.AsArray();
        Assert.Equal(3, array.Count);
        Assert.Equal("192.0.2.3", (string?)array[2]!["source"]!["ip"]);
    }

    [Fact]
    public async Task Use_json_false_posts_a_form()
    {
        await using var server = await Server();
        using var output = Output(server, new() { UseJson = false });

        await Write(output, [NewEvent(0)]);

        var request = Assert.Single(server.Requests);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Headers["Content-Type"]);
        Assert.Contains("source.ip=192.0.2.1", request.Body);
    }

    [Fact]
    public async Task A_4xx_refuses_that_event_with_the_status_and_the_others_are_written()
    {
        await using var server = await Server(request => request.Body.Contains("192.0.2.2") ? 422 : 201);
        using var output = Output(server);

        var results = await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused, WriteStatus.Written], results.Select(r => r.Status));
        Assert.Contains("422 no", results[1].Reason);
    }

    [Fact]
    public async Task A_refused_batch_is_thrown_back_to_be_sent_one_event_at_a_time()
    {
        await using var server = await Server(_ => 400);
        using var output = Output(server, new() { Batch = true });

        await Assert.ThrowsAsync<InvalidDataException>(() => Write(output, [NewEvent(0), NewEvent(1)]));
        var single = await Write(output, [NewEvent(0)]);
        Assert.Equal(WriteStatus.Refused, single[0].Status);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task A_busy_server_is_transient_with_its_retry_after(int status)
    {
        await using var server = await Server(_ => status, retryAfter: "7");
        using var output = Output(server);

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0), NewEvent(1)]));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_server_busy_after_the_first_event_retries_only_the_rest()
    {
        var calls = 0;
        await using var server = await Server(_ => Interlocked.Increment(ref calls) == 1 ? 200 : 503);
        using var output = Output(server);

        var results = await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Retry, WriteStatus.Retry], results.Select(r => r.Status));
    }

    [Fact]
    public async Task An_unreachable_server_is_transient_and_fails_the_health_check()
    {
        using var output = new RestApiOutput(new() { Host = $"http://127.0.0.1:{Channels.RedisServer.FreePort()}/api", HttpTimeoutSec = 5 });

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Cancel).AsTask());
    }
}
