using System.Text;
using IntelMQ.Core;
using IntelMQ.Experts.Verifiers;
using IntelMQ.Tests.Outputs;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts.Verifiers;

public sealed class PageContentVerifierTests : IAsyncLifetime
{
    LocalHttpServer _web = null!;

    public async ValueTask InitializeAsync() => _web = await LocalHttpServer.StartAsync(Answer);

    public async ValueTask DisposeAsync() => await _web.DisposeAsync();

    // The pages of the test site, by path.
    static Task Answer(LocalHttpServer.Received request, HttpResponse response)
    {
        switch (request.PathAndQuery)
        {
            case "/defaced":
                response.ContentType = "text/html; charset=utf-8";
                return response.WriteAsync("<html><body><h1>HACKED BY someone</h1></body></html>");
            case "/clean":
                response.ContentType = "text/html";
                return response.WriteAsync("<html><body>Welcome to our shop</body></html>");
            case "/latin1":
                response.ContentType = "text/html; charset=iso-8859-1";
                return response.Body.WriteAsync(Encoding.Latin1.GetBytes("<p>Piraté par quelqu'un</p>")).AsTask();
            case "/long":
                response.ContentType = "text/plain";
                return response.WriteAsync(new string('x', 10_000) + "HACKED");
            case "/broken":
                response.StatusCode = 500;
                return Task.CompletedTask;
            default:
                response.StatusCode = 404;
                return Task.CompletedTask;
        }
    }

    PageContentVerifier Verifier(PageContentVerifierOptions options) =>
        new(options with { Timeout = 5, PerHostInterval = 0 }, ProgramContext.Default);

    async Task<Event> Process(PageContentVerifier verifier, string path, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        ev.Add("source.url.full", new Uri(_web.Address, path).ToString());
        foreach (var (field, value) in fields) ev.Add(field, value);
        var output = new EventCollector();
        await verifier.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    static (object? Result, object? Confidence) Verdict(Event ev) =>
        (ev["custom.verification.page.result"], ev["custom.verification.page.confidence"]);

    [Fact]
    public async Task A_page_with_the_text_is_found_whatever_its_case()
    {
        using var verifier = Verifier(new() { Text = "hacked by" });

        var ev = await Process(verifier, "/defaced");

        Assert.Equal(("found", 0.9), Verdict(ev));
        Assert.Contains("'hacked by' found", (string)ev["custom.verification.page.detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Case_sensitive_text_must_match_as_given()
    {
        using var verifier = Verifier(new() { Text = "hacked by", CaseSensitive = true });

        Assert.Equal(("not_found", 0.8), Verdict(await Process(verifier, "/defaced")));
    }

    [Fact]
    public async Task A_whole_page_without_the_text_is_not_found()
    {
        using var verifier = Verifier(new() { Text = "hacked by" });

        Assert.Equal(("not_found", 0.8), Verdict(await Process(verifier, "/clean")));
    }

    [Fact]
    public async Task A_regex_is_matched_against_the_page()
    {
        using var verifier = Verifier(new() { Regex = @"hacked\s+by\s+\w+" });

        Assert.Equal(("found", 0.9), Verdict(await Process(verifier, "/defaced")));
    }

    [Fact]
    public async Task The_text_may_come_from_a_field_of_each_event()
    {
        using var verifier = Verifier(new() { TextField = "extra.defacement_text" });

        Assert.Equal("found", Verdict(await Process(verifier, "/defaced", ("custom.defacement_text", "someone"))).Result);
        Assert.Equal("not_found", Verdict(await Process(verifier, "/clean", ("custom.defacement_text", "someone"))).Result);
        Assert.False((await Process(verifier, "/clean")).Contains("custom.verification.page.result"));
    }

    [Fact]
    public async Task A_page_is_decoded_with_the_charset_the_server_names()
    {
        using var verifier = Verifier(new() { Text = "Piraté" });

        Assert.Equal("found", Verdict(await Process(verifier, "/latin1")).Result);
    }

    [Fact]
    public async Task Only_max_response_bytes_are_read_and_a_miss_in_a_cut_page_is_less_sure()
    {
        using var verifier = Verifier(new() { Text = "HACKED", MaxResponseBytes = 4096 });

        var ev = await Process(verifier, "/long");

        Assert.Equal(("not_found", 0.5), Verdict(ev));
        Assert.Contains("the first 4096 bytes", (string)ev["custom.verification.page.detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_that_is_gone_is_not_found_and_a_server_error_is_unknown()
    {
        using var verifier = Verifier(new() { Text = "x" });

        Assert.Equal(("not_found", 0.7), Verdict(await Process(verifier, "/removed")));
        Assert.Equal(("unknown", 0.0), Verdict(await Process(verifier, "/broken")));
    }

    [Fact]
    public async Task A_server_that_refuses_the_connection_gives_unknown()
    {
        using var verifier = Verifier(new() { Text = "x" });
        var ev = Event.Create();
        ev.Add("source.url.full", "http://127.0.0.1:1/");
        var output = new EventCollector();

        await verifier.ProcessAsync(ev, output, TestContext.Current.CancellationToken);

        Assert.Equal("unknown", Assert.Single(output.Events)["custom.verification.page.result"]);
    }

    [Fact]
    public async Task A_page_is_fetched_once_while_its_verdict_is_cached()
    {
        using var verifier = Verifier(new() { Text = "hacked" });

        await Process(verifier, "/defaced");
        await Process(verifier, "/defaced");

        Assert.Single(_web.Requests);
    }

    [Theory]
    [InlineData("", "", "")]
    [InlineData("a", "b", "")]
    [InlineData("", "(unclosed", "")]
    [InlineData("", "", "no.such.field")]
    public void A_configuration_without_exactly_one_valid_text_is_refused_at_start(string text, string regex, string textField)
    {
        Assert.Throws<ConfigurationException>(() => Verifier(new() { Text = text, Regex = regex, TextField = textField }));
    }
}
