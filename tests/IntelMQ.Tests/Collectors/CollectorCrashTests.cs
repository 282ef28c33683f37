namespace IntelMQ.Tests.Collectors;

/// <summary>
/// Each stateful API collector SIGKILLed between fetching a report and handing it on, then run again: the report
/// arrives once. The collector's output is an SQLite queue that the test locks against writers when the server
/// answers the fetch, so the hand-off cannot complete before the kill.
/// </summary>
public sealed class CollectorCrashTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly LockedQueue _queue;

    public CollectorCrashTests() => _queue = new LockedQueue(_intelmq);

    public void Dispose()
    {
        _queue.Dispose();
        _intelmq.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Runs the collector once more after the crash and once after that: the report arrives once.</summary>
    void RunTwiceAndCount(string[] args)
    {
        _queue.Run(args);
        Assert.Single(_queue.Bodies());
        _queue.Run(args);
        Assert.Single(_queue.Bodies());
    }

    [Fact]
    public async Task Shadowserver_api_collector_killed_before_the_hand_off_sends_the_report_once()
    {
        var api = new ShadowserverApiCollectorTests.ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{DateTime.UtcNow:yyyy-MM-dd}-scan_smb-test-cert-geo.csv"));
        api.Downloading = _queue.Lock;
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);
        string[] args = ["run", "shadowserver-api-collector", "--set", $"api_key={ShadowserverApiCollectorTests.Key}", "--set", $"secret={ShadowserverApiCollectorTests.Secret}",
            "--set", $"api_url={server.Url("api2/")}", "--set", $"download_url={server.Url("dl/")}"];

        await _queue.CrashAsync(args, Token);
        Assert.Empty(_queue.Bodies());

        RunTwiceAndCount(args);
    }

    [Fact]
    public async Task Taxii_collector_killed_before_the_hand_off_sends_the_page_once()
    {
        var taxii = new TaxiiServer { Paging = _queue.Lock };
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);
        string[] args = ["run", "taxii-collector", "--set", $"taxii_url={server.Url("taxii2/")}", "--set", $"collection={TaxiiServer.CollectionTitle}",
            "--set", "http_username=intelmq", "--set", "http_password=secret"];

        await _queue.CrashAsync(args, Token);
        Assert.Empty(_queue.Bodies());

        RunTwiceAndCount(args);
    }

    [Fact]
    public async Task Misp_collector_killed_before_the_hand_off_sends_the_event_once()
    {
        var misp = new MispServer();
        misp.AddEvent("1", "5f6e0c2a-0000-4000-8000-000000000001", "intelmq:to_process");
        misp.Searching = _queue.Lock;
        await using var server = await FeedServer.StartAsync(misp.AnswerAsync);
        string[] args = ["run", "misp-collector", "--set", $"misp_url={server.Url("")}", "--set", $"misp_key={MispServer.Key}",
            "--set", "misp_tag_to_process=intelmq:to_process", "--set", "misp_tag_processed=intelmq:processed"];

        await _queue.CrashAsync(args, Token);
        Assert.Equal(["intelmq:to_process"], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));

        RunTwiceAndCount(args);
        Assert.Equal(["intelmq:processed"], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task Stomp_collector_killed_before_the_hand_off_gets_the_message_again_and_sends_it_once()
    {
        await using var broker = new StompServer();
        string[] args = ["run", "stomp-collector", "--daemon", "--set", "server=127.0.0.1", "--set", $"port={broker.Port}", "--set", "exchange=/queue/n6",
            "--set", "ssl=false", "--set", "auth_by_ssl_client_certificate=false", "--set", "heartbeat=0", "--output", _queue.Uri];

        using (var crashing = _intelmq.Start(args))
        {
            await Eventually.WaitForAsync("the collector's subscription", () => broker.Subscriptions.Count == 1, Token);
            _queue.Lock();
            broker.Publish("{\"category\": \"cnc\"}");
            await Eventually.WaitForAsync("the message's delivery", () => broker.Delivered == 1, Token);
            crashing.Kill();
            await crashing.WaitForExitAsync(Token);
        }
        _queue.Unlock();
        Assert.Empty(_queue.Bodies());
        Assert.Empty(broker.Acked);

        using var restarted = _intelmq.Start(args);
        await Eventually.WaitForAsync("the ACK after the hand-off", () => broker.Acked.Count == 1, Token);
        Assert.True(Eventually.Terminate(restarted), "the daemon did not stop on SIGTERM");
        Assert.Single(_queue.Bodies());
        Assert.Equal(2, broker.Delivered);
    }

    [Fact]
    public async Task Blueliv_crimeserver_collector_killed_before_the_hand_off_sends_the_list_once()
    {
        var api = new BluelivServer { Fetching = _queue.Lock };
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);
        string[] args = ["run", "blueliv-crimeserver-collector", "--set", $"api_key={BluelivServer.Key}", "--set", $"api_url={server.Url("")}"];

        await _queue.CrashAsync(args, Token);
        Assert.Empty(_queue.Bodies());

        RunTwiceAndCount(args);
    }

    [Fact]
    public async Task Fireeye_mas_collector_killed_before_the_hand_off_sends_the_alert_once()
    {
        var appliance = new FireEyeServer();
        appliance.AddAlert("1591de22-4926-4124-b3ed-ffff96766295", "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        appliance.Fetching = _queue.Lock;
        await using var server = await FeedServer.StartAsync(appliance.AnswerAsync);
        string[] args = ["run", "fireeye-mas-collector", "--set", $"host={server.Url("")}", "--set", $"http_username={FireEyeServer.User}",
            "--set", $"http_password={FireEyeServer.Password}"];

        await _queue.CrashAsync(args, Token);
        Assert.Empty(_queue.Bodies());

        RunTwiceAndCount(args);
    }
}
