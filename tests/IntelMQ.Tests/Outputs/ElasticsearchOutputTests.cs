using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Elasticsearch;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Outputs;

public sealed class ElasticsearchOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// Answers as Elasticsearch's documented APIs do: GET / with the cluster's info, PUT _index_template with
    /// acknowledged, POST _bulk with one item per action in order, each with the status <paramref name="status"/> gives
    /// for its document (and the error object Elasticsearch gives for that status).
    /// </summary>
    static Task<LocalHttpServer> Elasticsearch(Func<JsonObject, int>? status = null) => LocalHttpServer.StartAsync(async (request, response) =>
    {
        response.ContentType = "application/json";
        if (request.Method == "GET" && request.PathAndQuery == "/")
        {
            await response.WriteAsync("""{"name":"node-1","cluster_name":"test","version":{"number":"9.1.0"},"tagline":"You Know, for Search"}""");
            return;
        }
        if (request.Method == "PUT" && request.PathAndQuery.StartsWith("/_index_template/", StringComparison.Ordinal))
        {
            await response.WriteAsync("""{"acknowledged":true}""");
            return;
        }
        var lines = request.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var action = JsonNode.Parse(lines[i])!["index"]!;
            var code = status?.Invoke(JsonNode.Parse(lines[i + 1])!.AsObject()) ?? 201;
            var item = new JsonObject { ["_index"] = (string?)action["_index"], ["_id"] = (string?)action["_id"], ["status"] = code };
            if (code == 201) item["result"] = "created";
            else
            {
                errors = true;
                item["error"] = code == 429
                    ? new JsonObject { ["type"] = "es_rejected_execution_exception", ["reason"] = "rejected execution of coordinating operation" }
                    : new JsonObject
                    {
                        ["type"] = "document_parsing_exception",
                        ["reason"] = "[1:42] failed to parse field [source.port] of type [long]",
                        ["caused_by"] = new JsonObject { ["type"] = "illegal_argument_exception", ["reason"] = "For input string: \"x\"" },
                    };
            }
            items.Add(new JsonObject { ["index"] = item });
        }
        await response.WriteAsync(new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items }.ToJsonString());
    });

    static ElasticsearchOutput Output(Uri address, ElasticsearchOutputOptions? options = null) =>
        new((options ?? new()) with { ElasticHost = address.Host, ElasticPort = address.Port, HttpTimeoutSec = 10 }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(ElasticsearchOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i, string time = "2024-05-01T12:00:00+00:00")
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("time.source")!, time);
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i % 250 + 1}");
        ev.Add("comment", $"event {i}");
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public async Task A_batch_is_one_bulk_request_of_idf_documents_after_the_index_template()
    {
        await using var server = await Elasticsearch();
        using var output = Output(server.Address);
        var events = Enumerable.Range(0, 100).Select(i => NewEvent(i)).ToList();

        var results = await Write(output, events);
        await Write(output, [NewEvent(100)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var requests = server.Requests.ToList();
        Assert.Equal(["PUT /_index_template/intelmq", "POST /_bulk", "POST /_bulk"], requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.Equal("application/x-ndjson", requests[1].Headers["Content-Type"]);
        var template = JsonNode.Parse(requests[0].Body)!;
        Assert.Equal(["intelmq", "intelmq-*"], template["index_patterns"]!.AsArray().Select(p => (string?)p));
        var properties = template["template"]!["mappings"]!["properties"]!;
        Assert.Equal("ip", (string?)properties["source"]!["properties"]!["ip"]!["type"]);
        Assert.Equal("date", (string?)properties["@timestamp"]!["type"]);
        Assert.Equal("long", (string?)properties["source"]!["properties"]!["port"]!["type"]);
        var lines = requests[1].Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200, lines.Length);
        Assert.Equal($"{{\"index\":{{\"_index\":\"intelmq\",\"_id\":\"{events[7].Id}\"}}}}", lines[14]);
        var document = JsonNode.Parse(lines[15])!;
        Assert.Equal("192.0.2.8", (string?)document["source"]!["ip"]);
        Assert.Equal("event 7", (string?)document["comment"]);
    }

    [Fact]
    public async Task Each_item_is_its_events_result_429_retried_and_a_mapping_error_refused_with_the_reason()
    {
        await using var server = await Elasticsearch(document => (string?)document["comment"] switch
        {
            "event 3" => 429,
            "event 5" => 400,
            _ => 201,
        });
        using var output = Output(server.Address);

        var results = await Write(output, [.. Enumerable.Range(0, 8).Select(i => NewEvent(i))]);

        Assert.Equal(WriteStatus.Retry, results[3].Status);
        Assert.Contains("429 es_rejected_execution_exception", results[3].Reason);
        Assert.Equal(WriteStatus.Refused, results[5].Status);
        Assert.Equal("elasticsearch-output: 400 document_parsing_exception: [1:42] failed to parse field [source.port] of type [long] (illegal_argument_exception: For input string: \"x\")", results[5].Reason);
        Assert.Equal(6, results.Count(r => r == WriteResult.Written));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    [InlineData(401)]
    public async Task A_failed_bulk_request_is_a_transient_failure(int status)
    {
        await using var server = await LocalHttpServer.StartAsync((_, response) =>
        {
            response.StatusCode = status;
            return response.WriteAsync("""{"error":{"type":"cluster_block_exception"},"status":0}""");
        });
        using var output = Output(server.Address, new() { IndexTemplate = false });

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));

        Assert.Contains($": {status} ", error.Message);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_transient_failure()
    {
        using var output = new ElasticsearchOutput(new() { ElasticHost = "127.0.0.1", ElasticPort = Channels.RedisServer.FreePort() }, ProgramContext.Default);

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
    }

    [Theory]
    [InlineData(IndexRotation.Never, "logs")]
    [InlineData(IndexRotation.Daily, "logs-2024-12-30")]
    [InlineData(IndexRotation.Weekly, "logs-2025-01")]
    [InlineData(IndexRotation.Monthly, "logs-2024-12")]
    [InlineData(IndexRotation.Yearly, "logs-2024")]
    public async Task Rotate_index_names_the_index_by_the_events_time(IndexRotation rotation, string index)
    {
        await using var server = await Elasticsearch();
        using var output = Output(server.Address, new() { ElasticIndex = "logs", RotateIndex = rotation, IndexTemplate = false });

        await Write(output, [NewEvent(0, "2024-12-30T23:00:00+00:00")]);

        var action = JsonNode.Parse(server.Requests.Single().Body.Split('\n')[0])!;
        Assert.Equal(index, (string?)action["index"]!["_index"]);
    }

    [Fact]
    public async Task Credentials_go_as_basic_authentication_or_an_api_key()
    {
        await using var server = await Elasticsearch();
        using (var basic = Output(server.Address, new() { HttpUsername = "intelmq", HttpPassword = new("s3cret"), IndexTemplate = false }))
            await Write(basic, [NewEvent(0)]);
        using (var key = Output(server.Address, new() { ApiKey = new("aWQ6a2V5"), IndexTemplate = false }))
            await Write(key, [NewEvent(0)]);

        var requests = server.Requests.ToList();
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("intelmq:s3cret")), requests[0].Headers["Authorization"]);
        Assert.Equal("ApiKey aWQ6a2V5", requests[1].Headers["Authorization"]);
    }

    [Fact]
    public async Task The_health_check_asks_the_cluster_and_puts_the_template()
    {
        await using var server = await Elasticsearch();
        using var output = Output(server.Address);

        await output.CheckAsync(Cancel);

        Assert.Equal(["GET /", "PUT /_index_template/intelmq"], server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        await using var refusing = await LocalHttpServer.StartAsync((_, response) => { response.StatusCode = 401; return Task.CompletedTask; });
        using var unauthorised = Output(refusing.Address);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => unauthorised.CheckAsync(Cancel).AsTask());
        Assert.Contains("401", error.Message);
    }

    [Theory]
    [InlineData("flatten_fields", "option 'flatten_fields'")]
    [InlineData("replacement_char", "option 'replacement_char'")]
    [InlineData("elastic_index", "option 'elastic_index'")]
    public void Options_elasticsearch_cannot_honour_are_refused_at_construction(string option, string message)
    {
        ElasticsearchOutputOptions options = option switch
        {
            "flatten_fields" => new() { FlattenFields = ["extra", "output"] },
            "replacement_char" => new() { ReplacementChar = "_" },
            _ => new() { ElasticIndex = "IntelMQ" },
        };

        var error = Assert.Throws<ConfigurationException>(() => new ElasticsearchOutput(options, ProgramContext.Default));

        Assert.Contains(message, error.Message);
    }

    /// <summary>Against a real Elasticsearch or OpenSearch when INTELMQ_TEST_ELASTICSEARCH gives its address (http://host:9200).</summary>
    [Fact]
    public async Task A_real_server_indexes_the_batch_and_refuses_a_document_its_mapping_cannot_take()
    {
        var address = Environment.GetEnvironmentVariable("INTELMQ_TEST_ELASTICSEARCH");
        Assert.SkipWhen(string.IsNullOrEmpty(address), "INTELMQ_TEST_ELASTICSEARCH is not set (e.g. http://127.0.0.1:9200): no Elasticsearch or OpenSearch server can be installed here; the local stand-in tests cover the protocol.");
        var uri = new Uri(address!);
        var index = "intelmq-test-" + Guid.NewGuid().ToString("N")[..8];
        using var output = new ElasticsearchOutput(new() { ElasticHost = uri.Host, ElasticPort = uri.Port, UseSsl = uri.Scheme == "https", ElasticIndex = index }, ProgramContext.Default);
        var events = Enumerable.Range(0, 10).Select(i => NewEvent(i)).ToList();
        events[4].Add("custom.size", 12L);
        events[5].Add("custom.size", "not a number"); // dynamic mapping made custom.size a long with event 4

        var results = await Write(output, events);

        Assert.Equal(WriteStatus.Refused, results[5].Status);
        Assert.Equal(9, results.Count(r => r == WriteResult.Written));
        using var http = new HttpClient { BaseAddress = uri };
        await http.PostAsync($"{index}/_refresh", null, Cancel);
        var count = JsonNode.Parse(await http.GetStringAsync($"{index}/_count", Cancel))!;
        Assert.Equal(9, (int)count["count"]!);
        Assert.Equal("ip", (string?)JsonNode.Parse(await http.GetStringAsync($"{index}/_mapping", Cancel))![index]!["mappings"]!["properties"]!["source"]!["properties"]!["ip"]!["type"]);
        await http.DeleteAsync(index, Cancel);
        await http.DeleteAsync($"_index_template/{index}", Cancel);
    }
}
