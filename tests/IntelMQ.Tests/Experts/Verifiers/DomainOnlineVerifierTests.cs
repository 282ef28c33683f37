using System.Net;
using System.Net.Sockets;
using IntelMQ.Core;
using IntelMQ.Experts.Verifiers;
using IntelMQ.Tests.Outputs;

namespace IntelMQ.Tests.Experts.Verifiers;

public sealed class DomainOnlineVerifierTests : IDisposable
{
    readonly DnsmasqServer _dns = new([
        "local=/example/",
        "address=/online.example/192.0.2.1",
        "address=/web.example/127.0.0.1",
        "txt-record=noaddress.example,\"no address here\"",
    ]);

    public void Dispose() => _dns.Dispose();

    DomainOnlineVerifier Verifier(DomainOnlineVerifierOptions? options = null, string? nameServer = null) =>
        new((options ?? new() { Timeout = 2 }) with { NameServers = [nameServer ?? _dns.Required().EndPoint] }, ProgramContext.Default);

    static async Task<Event> Process(DomainOnlineVerifier verifier, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await verifier.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    static (object? Result, object? Confidence, string Detail) Verdict(Event ev) =>
        (ev["custom.verification.domain.result"], ev["custom.verification.domain.confidence"], (string)ev["custom.verification.domain.detail"]!);

    [Fact]
    public async Task A_name_that_resolves_is_online_with_the_address_it_resolves_to()
    {
        using var verifier = Verifier();

        var ev = await Process(verifier, ("source.domain", "www.online.example"));

        var (result, confidence, detail) = Verdict(ev);
        Assert.Equal("online", result);
        Assert.Equal(0.7, confidence);
        Assert.Contains("192.0.2.1", detail, StringComparison.Ordinal);
        Assert.True(ev.Contains("custom.verification.domain.time"));
    }

    [Fact]
    public async Task A_name_that_does_not_exist_is_offline()
    {
        using var verifier = Verifier();

        var (result, confidence, detail) = Verdict(await Process(verifier, ("source.domain", "gone.example")));

        Assert.Equal(("offline", 0.9), (result, confidence));
        Assert.Contains("NXDOMAIN", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_without_addresses_is_offline_with_less_confidence()
    {
        using var verifier = Verifier();

        var (result, confidence, _) = Verdict(await Process(verifier, ("source.domain", "noaddress.example")));

        Assert.Equal(("offline", 0.6), (result, confidence));
    }

    [Fact]
    public async Task A_name_server_that_does_not_answer_gives_unknown_and_the_event_goes_on()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var verifier = Verifier(new() { Timeout = 0.3 }, silent.Client.LocalEndPoint!.ToString());

        var (result, confidence, _) = Verdict(await Process(verifier, ("source.domain", "www.online.example")));

        Assert.Equal(("unknown", 0.0), (result, confidence));
    }

    [Fact]
    public async Task The_host_of_source_url_is_checked_when_there_is_no_fqdn()
    {
        using var verifier = Verifier();

        var (result, _, _) = Verdict(await Process(verifier, ("source.url.full", "http://online.example/login.php")));

        Assert.Equal("online", result);
    }

    [Fact]
    public async Task An_event_without_a_domain_passes_unchanged()
    {
        using var verifier = Verifier();

        var ev = await Process(verifier, ("source.ip", "192.0.2.7"), ("source.url.full", "http://192.0.2.7/x"));

        Assert.False(ev.Contains("custom.verification.domain.result"));
    }

    [Fact]
    public async Task A_verdict_the_event_has_is_kept_unless_overwrite()
    {
        using var keep = Verifier();
        using var replace = Verifier(new() { Overwrite = true, Timeout = 2 });

        Assert.Equal("offline", (await Process(keep, ("source.domain", "online.example"), ("custom.verification.domain.result", "offline")))["custom.verification.domain.result"]);
        Assert.Equal("online", (await Process(replace, ("source.domain", "online.example"), ("custom.verification.domain.result", "offline")))["custom.verification.domain.result"]);
    }

    [Fact]
    public async Task The_field_option_moves_the_verdict()
    {
        using var verifier = Verifier(new() { Field = "extra.checked", Timeout = 2 });

        var ev = await Process(verifier, ("source.domain", "online.example"));

        Assert.Equal("online", ev["custom.checked.result"]);
    }

    [Fact]
    public void A_field_outside_custom_is_refused_at_start()
    {
        var ex = Assert.Throws<ConfigurationException>(() => Verifier(new() { Field = "source.ip" }));
        Assert.Contains("'field'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_http_check_any_http_answer_means_online()
    {
        await using var web = await LocalHttpServer.StartAsync((_, response) => { response.StatusCode = 404; return Task.CompletedTask; });
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 2 });

        var (result, confidence, detail) = Verdict(await Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/phish/")));

        Assert.Equal(("online", 0.95), (result, confidence));
        Assert.Contains("HTTP 404", detail, StringComparison.Ordinal);
        Assert.Equal("HEAD /phish/", Assert.Single(web.Requests) is var r ? $"{r.Method} {r.PathAndQuery}" : "");
    }

    [Fact]
    public async Task With_http_check_a_name_that_resolves_but_does_not_answer_is_offline_with_half_confidence()
    {
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 2 });

        var (result, confidence, detail) = Verdict(await Process(verifier, ("source.url.full", $"http://web.example:{ClosedPort()}/")));

        Assert.Equal(("offline", 0.5), (result, confidence));
        Assert.Contains("HTTP to", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_web_server_that_never_answers_gives_unknown_at_the_timeout()
    {
        await using var web = await LocalHttpServer.StartAsync((_, response) => Task.Delay(Timeout.Infinite, response.HttpContext.RequestAborted));
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 0.5 });

        var (result, _, detail) = Verdict(await Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/")));

        Assert.Equal("unknown", result);
        Assert.Contains("no answer within 0.5 s", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_is_checked_once_while_its_verdict_is_cached()
    {
        await using var web = await LocalHttpServer.StartAsync((_, _) => Task.CompletedTask);
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 2 });
        var url = $"http://web.example:{web.Address.Port}/";

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Process(verifier, ("source.url.full", url))));
        var again = await Process(verifier, ("source.url.full", url));

        Assert.Single(web.Requests);
        Assert.Equal("online", again["custom.verification.domain.result"]);
    }

    [Fact]
    public async Task Requests_to_one_host_wait_their_turn_and_give_unknown_when_it_is_beyond_the_timeout()
    {
        await using var web = await LocalHttpServer.StartAsync((_, _) => Task.CompletedTask);
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 2, PerHostInterval = 3600 });

        var first = await Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/a"));
        var second = await Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/b"));

        Assert.Equal("online", first["custom.verification.domain.result"]);
        Assert.Equal("unknown", second["custom.verification.domain.result"]);
        Assert.Contains("asked too often", (string)second["custom.verification.domain.detail"]!, StringComparison.Ordinal);
        Assert.Single(web.Requests);
    }

    [Fact]
    public async Task Requests_to_one_host_within_the_interval_wait_for_their_turn_and_are_checked()
    {
        await using var web = await LocalHttpServer.StartAsync((_, _) => Task.CompletedTask);
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 5, PerHostInterval = 0.2 });

        var events = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/{i}"))));

        Assert.All(events, ev => Assert.Equal("online", ev["custom.verification.domain.result"]));
        Assert.Equal(3, web.Requests.Count);
    }

    [Fact]
    public async Task No_more_than_max_concurrency_checks_run_at_once()
    {
        int running = 0, most = 0;
        var release = new TaskCompletionSource();
        await using var web = await LocalHttpServer.StartAsync(async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            if (now == 2) release.TrySetResult();
            await release.Task;
            Interlocked.Decrement(ref running);
        });
        using var verifier = Verifier(new() { HttpCheck = true, Timeout = 20, PerHostInterval = 0, MaxConcurrency = 2 });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Process(verifier, ("source.url.full", $"http://web.example:{web.Address.Port}/{i}"))));

        Assert.Equal(8, web.Requests.Count);
        Assert.Equal(2, most);
    }

    static void InterlockedMax(ref int target, int value)
    {
        for (var seen = target; value > seen; seen = target)
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
