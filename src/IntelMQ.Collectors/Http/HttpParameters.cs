using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>IntelMQ's HTTP parameters, shared by the collectors that download (HTTP, HTTP stream, mail URL, Shadowserver API).</summary>
public abstract record HttpParameters
{
    [Option("User name for HTTP basic authentication.")]
    public string? HttpUsername { get; set; }

    [Option("Password for HTTP basic authentication.")]
    public Secret? HttpPassword { get; set; }

    [Option("Request headers, a mapping of names to values (a JSON object on the command line), e.g. {\"Authorization\": \"Token KEY\"}; a secret, since it often holds a key.",
        AlsoAccepts = ["object"])]
    public Secret? HttpHeader { get; set; }

    [Option("Proxy for http:// URLs, e.g. http://proxy.example:3128. Without http_proxy and https_proxy the system's proxy settings apply.")]
    public string? HttpProxy { get; set; }

    [Option("Proxy for https:// URLs.")]
    public string? HttpsProxy { get; set; }

    [Option("The User-Agent header of every request.")]
    public string HttpUserAgent { get; set; } = "IntelMQ.NET";

    [Option("true: verify the server's TLS certificate against the system's trusted CAs; false: do not verify (insecure); or the path of a PEM file or directory of trusted CA certificates.",
        AlsoAccepts = ["boolean"])]
    public string HttpVerifyCert { get; set; } = "true";

    [Option("Path of a PEM file with the client certificate for TLS client authentication (and its private key, unless ssl_client_certificate_key is given).")]
    public string? SslClientCertificate { get; set; }

    [Option("Path of the PEM private key of ssl_client_certificate, when that file holds only the certificate.")]
    public string? SslClientCertificateKey { get; set; }

    [Option("Seconds to wait for the server: one number for connecting and for each read, or two (connect, read) as a list or \"5,60\".",
        AlsoAccepts = ["number", "array"])]
    public string HttpTimeoutSec { get; set; } = "30";

    [Option("How many times a request is tried when it times out, before the run counts as failed (and is retried later with backoff).", Min = 1, Max = 100)]
    public int HttpTimeoutMaxTries { get; set; } = 3;

    [Option("At most this many requests at a time to one host (scheme, name and port), counted over every collector of the process (`intelmq workflow run` runs many in one); the smallest value given for a host applies. A download counts until its body is read.", Min = 1, Max = 1000)]
    public int HttpHostConcurrency { get; set; } = 4;

    [Option("At most this many requests per second to one host, counted over every collector of the process; the smallest value given for a host applies. 0: no limit.", Min = 0, Max = 1000)]
    public double HttpHostRate { get; set; }
}
