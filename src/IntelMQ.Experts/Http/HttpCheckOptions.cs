using IntelMQ.Contract;

namespace IntelMQ.Experts.Http;

/// <summary>The options http-status-expert and http-content-expert share: which URL, and how it is fetched and remembered.</summary>
public abstract record HttpCheckOptions
{
    [Option("The field holding the URL to check (IntelMQ name, e.g. source.url or destination.url).")]
    public string Field { get; set; } = "source.url";

    [Option("Replace a status the event already has; when false, an event with a status is not checked.")]
    public bool Overwrite { get; set; }

    [Option("Seconds one request (connecting, redirects and the answer) may take.", Min = 0.001, Max = 300, Aliases = ["http_timeout_sec"])]
    public double Timeout { get; set; } = 10;

    [Option("Connections to one server (scheme, host and port) at most; further requests to it wait for one.", Min = 1, Max = 1000)]
    public int ConnectionsPerServer { get; set; } = 4;

    [Option("Let URLs reach private, loopback, link-local and other reserved addresses (the rfc1918 expert's list); off, such URLs are not checked.")]
    public bool AllowPrivateAddresses { get; set; }

    [Option("The User-Agent header sent.")]
    public string HttpUserAgent { get; set; } = "Mozilla/5.0 (compatible; IntelMQ.NET)";

    [Option("Check the server's TLS certificate.")]
    public bool HttpVerifyCert { get; set; } = true;

    [Option("URLs whose verdict is kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 10_000;

    [Option("Seconds a verdict is kept before the URL is checked again.", Min = 0, Max = 31_536_000)]
    public double CacheTtl { get; set; } = 3600;
}
