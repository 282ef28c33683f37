using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Api;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The API collector: a pushed report is answered 200 only once it is handed on, 422 when it was dumped; a wrong token is refused.</summary>
public sealed class ApiCollectorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-api-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Output => Path.Combine(_dir, "reports.jsonl");

    [Fact]
    public async Task A_pushed_report_is_answered_once_it_is_handed_on_and_a_wrong_token_is_refused()
    {
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        await using var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve("intelmq.bots.collectors.api.collector_api"),
            Options = new ApiCollectorOptions { Port = port, Token = new Secret("t0ken") },
            Context = new ProgramContext { Id = "api" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
            DumpPath = Path.Combine(_dir, "dump.jsonl"),
            StatePath = Path.Combine(_dir, "api.json"),
            Feed = new Dictionary<string, string> { ["feed.name"] = "Pushed" },
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("api", 0, TextWriter.Null));
        var run = host.RunAsync(stop.Token, TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var token = TestContext.Current.CancellationToken;

        await Eventually.WaitForAsync("the API collector listening", async () =>
        {
            try { return (await client.GetAsync("intelmq/push", token)).StatusCode == HttpStatusCode.MethodNotAllowed; }
            catch (HttpRequestException) { return false; }
        }, token);
        var refused = await client.PostAsync("intelmq/push", new StringContent("{\"breach\": 1}"), token);
        var request = new HttpRequestMessage(HttpMethod.Post, "intelmq/push") { Content = new StringContent("{\"breach\": 2}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
        var accepted = await client.SendAsync(request, token);
        var reportsWhenAnswered = File.ReadAllLines(Output);
        // Not UTF-8: the host dumps it, and its client hears so rather than waiting for an answer that never comes.
        var notText = new HttpRequestMessage(HttpMethod.Post, "intelmq/push") { Content = new ByteArrayContent([0xff, 0xfe, 0xc3, 0x28]) };
        notText.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
        var dumped = await client.SendAsync(notText, token);
        stop.Cancel();
        var summary = await run;

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (refused.StatusCode, accepted.StatusCode));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dumped.StatusCode);
        Assert.Contains("dump", await dumped.Content.ReadAsStringAsync(token));
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "dump.jsonl")));
        var report = EventJson.Read(Encoding.UTF8.GetBytes(Assert.Single(reportsWhenAnswered))).Single();
        Assert.Equal(("{\"breach\": 2}", "Pushed"), (report["event.original"], report["feed.name"]));
        Assert.Equal(1, summary.Events);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
