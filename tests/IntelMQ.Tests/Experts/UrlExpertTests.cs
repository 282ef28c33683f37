using IntelMQ.Core;
using IntelMQ.Experts.Url;
using IntelMQ.Experts.Url2Fqdn;

namespace IntelMQ.Tests.Experts;

public sealed class UrlExpertTests
{
    static Event WithUrl(string url)
    {
        var ev = Event.Create();
        ev.Add("source.url.full", url);
        return ev;
    }

    [Fact]
    public void Url_is_split_into_host_port_path_and_account()
    {
        var ev = WithUrl("https://admin@www.example.com:8443/index.html");

        new UrlExpert(new UrlExpertOptions()).Process(ev, new EventCollector());

        Assert.Equal("www.example.com", ev["source.domain"]);
        Assert.Equal(8443L, ev["source.port"]);
        Assert.Equal("/index.html", ev["source.url.path"]);
        Assert.Equal("admin", ev["source.user.name"]);
    }

    [Fact]
    public void Ip_host_goes_to_ip_and_skip_fields_are_left_alone()
    {
        var ev = WithUrl("http://192.0.2.1/x");

        new UrlExpert(new UrlExpertOptions { SkipFields = ["source.urlpath"] }).Process(ev, new EventCollector());

        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.False(ev.Contains("source.url.path"));
    }

    [Fact]
    public void Url2fqdn_keeps_an_existing_fqdn_without_overwrite()
    {
        var ev = WithUrl("http://example.com/a");
        ev.Add("source.domain", "example.net");

        new Url2FqdnExpert(new Url2FqdnExpertOptions()).Process(ev, new EventCollector());
        Assert.Equal("example.net", ev["source.domain"]);

        new Url2FqdnExpert(new Url2FqdnExpertOptions { Overwrite = true }).Process(ev, new EventCollector());
        Assert.Equal("example.com", ev["source.domain"]);
    }
}
