using IntelMQ.Collectors.Azure;
using IntelMQ.Contract;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Azure Blob Storage collector against a Kestrel server that checks the Shared Key signature.</summary>
public sealed class AzureCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static AzureCollectorOptions Options(FeedServer server, string key) => new()
    {
        ConnectionString = new($"DefaultEndpointsProtocol=http;AccountName={AzureBlobServer.Account};AccountKey={key};BlobEndpoint={server.Url(AzureBlobServer.Account)};"),
        ContainerName = AzureBlobServer.Container,
    };

    [Fact]
    public async Task Every_blob_is_one_report_and_comes_again_only_when_its_ETag_changed()
    {
        var azure = new AzureBlobServer();
        azure.Blobs["2024/a.json"] = ("\"0x1\"", "[{\"a\": 1}]"u8.ToArray());
        azure.Blobs["2024/b.json.gz"] = ("\"0x2\"", AzureBlobServer.Gzip("[{\"b\": 2}]"));
        azure.Blobs["2024/c.json"] = ("\"0x3\"", "[{\"c\": 3}]"u8.ToArray());
        await using var server = await FeedServer.StartAsync(azure.AnswerAsync);
        var ct = TestContext.Current.CancellationToken;

        await _run.CollectAsync("intelmq.bots.collectors.microsoft.collector_azure", Options(server, AzureBlobServer.Key), ct);
        await _run.CollectAsync("azure-collector", Options(server, AzureBlobServer.Key), ct);
        azure.Blobs["2024/c.json"] = ("\"0x4\"", "[{\"c\": 4}]"u8.ToArray());
        await _run.CollectAsync("azure-collector", Options(server, AzureBlobServer.Key), ct);

        var reports = _run.Reports();
        Assert.Equal(["[{\"a\": 1}]", "[{\"b\": 2}]", "[{\"c\": 3}]", "[{\"c\": 4}]"], reports.Select(r => (string)r["event.original"]!));
        Assert.Equal(["a.json", "b.json", "c.json", "c.json"], reports.Select(r => (string)r["custom.file_name"]!));
        Assert.Equal(server.Url($"{AzureBlobServer.Account}/{AzureBlobServer.Container}/2024/a.json"), reports[0]["feed.url"]);
        Assert.Equal(4, azure.Downloads);
    }

    [Fact]
    public async Task The_marks_of_blobs_no_longer_listed_are_forgotten_and_a_listed_blob_handed_on_is_not_fetched_again()
    {
        var azure = new AzureBlobServer();
        azure.Blobs["a.json"] = ("\"0x1\"", "[\"a\"]"u8.ToArray());
        azure.Blobs["b.json"] = ("\"0x2\"", "[\"b\"]"u8.ToArray());
        await using var server = await FeedServer.StartAsync(azure.AnswerAsync);
        var ct = TestContext.Current.CancellationToken;

        await _run.CollectAsync("azure-collector", Options(server, AzureBlobServer.Key), ct);
        azure.Blobs.Remove("a.json");
        azure.Blobs["c.json"] = ("\"0x3\"", "[\"c\"]"u8.ToArray());
        await _run.CollectAsync("azure-collector", Options(server, AzureBlobServer.Key), ct);
        Assert.Equal(["b.json", "c.json"], Marked());
        azure.Blobs.Remove("b.json");
        await _run.CollectAsync("azure-collector", Options(server, AzureBlobServer.Key), ct);

        Assert.Equal(["c.json"], Marked());
        Assert.Equal(["[\"a\"]", "[\"b\"]", "[\"c\"]"], _run.Reports().Select(r => (string)r["event.original"]!));
        Assert.Equal(3, azure.Downloads);
    }

    List<string> Marked() => [.. System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(_run.State("blobs")!)!.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_wrong_account_key_fails_the_run_on_the_signature()
    {
        var azure = new AzureBlobServer();
        azure.Blobs["a.json"] = ("\"0x1\"", "[]"u8.ToArray());
        await using var server = await FeedServer.StartAsync(azure.AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("azure-collector", Options(server, Convert.ToBase64String(new byte[32])), TestContext.Current.CancellationToken));

        Assert.Contains("403", error.Message);
        Assert.Empty(_run.Reports());
    }

    [Theory]
    [InlineData("AccountName=a", "AccountKey, or SharedAccessSignature")]
    [InlineData("AccountName=a;AccountKey=not base64!", "not base64")]
    public void A_connection_string_without_credentials_is_refused(string connectionString, string message) =>
        Assert.Contains(message, Assert.Throws<ConfigurationException>(() =>
            new AzureCollector(new() { ConnectionString = new(connectionString), ContainerName = "c" }, ProgramContext.Default)).Message);
}
