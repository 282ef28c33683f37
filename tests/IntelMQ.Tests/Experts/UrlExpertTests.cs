using System.Net;
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

    [Fact]
    public void Urls_are_split_as_System_Uri_splits_them()
    {
        string[] schemes = ["http", "https", "HTTP", "ftp", "ssh"];
        string[] users = ["", "admin@", "a%40b:pw@"];
        string[] hosts = ["www.example.com", "example.co.uk", "EXAMPLE.com", "192.0.2.1", "0.0.0.0", "01.2.3.4", "1.2.3", "123",
            "256.1.1.1", "1.2.3.4.5", "0x7f.0.0.1", "www.0x1f", "a.b.123", "[2001:db8::1]", "xn--p1ai.xn--p1ai", "xn--zz.example",
            "bücher.example", "ab--cd.com", "-a.com", "a-.com", "a_b.com", "example.com.", "a..b", "localhost", new string('x', 64) + ".com"];
        string[] ports = ["", ":8080", ":80", ":443", ":0", ":65535", ":65536", ":08080", ":", ":8a"];
        string[] paths = ["", "/", "/a/b", "/a/./b", "/a/../b", "/.", "/..", "/a/.", "/a/..", "/.a", "/..a/", "/a..", "/a//b", "//a",
            "/%41", "/a%2Fb", "/ä", "/~user", "/a;b=c,d", "/{x}", "/a|b", "/a\\b", "/a'b(c)*+!$&", "/a:b@c", "/a^b`c", "/a\"b", "/a<b>"];
        string[] tails = ["", "?x=1", "?", "#f", "?a=/../#b", "?ä", "?a\\b", "?[]{}|"];
        var urls = new List<string>();
        foreach (var scheme in schemes)
        {
            foreach (var user in users)
                foreach (var host in hosts)
                    foreach (var port in ports)
                        urls.Add($"{scheme}://{user}{host}{port}/p?q");
            foreach (var path in paths)
                foreach (var tail in tails)
                    urls.Add($"{scheme}://www.example.com:8080{path}{tail}");
        }
        var expert = new UrlExpert(new UrlExpertOptions());
        var mismatches = new List<string>();
        foreach (var url in urls)
        {
            var (split, bySystemUri) = (new Event(), new Event());
            if (!split.TryAdd("source.url.full", url)) continue;
            bySystemUri.Add("source.url.full", url);
            expert.Process(split, new EventCollector());
            SplitWithSystemUri(bySystemUri, url);
            var (actual, expected) = (Describe(split), Describe(bySystemUri));
            if (actual != expected) mismatches.Add($"{url}: {actual} instead of {expected}");
        }
        Assert.Empty(mismatches);
    }

    // The expert's split as it was done for every URL through System.Uri, with no skip_fields and overwrite off.
    static void SplitWithSystemUri(Event ev, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return;
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6) ev.TryAdd("source.ip", IPAddress.Parse(uri.DnsSafeHost).ToString());
        else ev.TryAdd("source.domain", uri.IdnHost);
        if (uri.Port > 0) ev.TryAdd("source.port", (long)uri.Port);
        if (uri.AbsolutePath.Length > 0) ev.TryAdd("source.url.path", uri.AbsolutePath);
        if (uri.UserInfo.Length > 0) ev.TryAdd("source.user.name", Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]));
        ev.TryAdd("network.protocol", uri.Scheme);
        if (uri.Scheme is "http" or "https" or "ftp" or "ssh" or "telnet" or "smtp" or "ws" or "wss") ev.TryAdd("network.transport", "tcp");
    }

    static string Describe(Event ev) => string.Join(", ", ev.Fields.Select(f => $"{f.Key}={f.Value}"));
}
