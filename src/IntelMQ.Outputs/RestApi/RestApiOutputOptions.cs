using IntelMQ.Contract;

namespace IntelMQ.Outputs.RestApi;

public sealed record RestApiOutputOptions
{
    [Option("The URL events are POSTed to, e.g. https://siem.example.org/api/events.")]
    public string Host { get; set; } = "";

    [Option("How to authenticate: http_basic_auth (user auth_token_name, password auth_token), http_header (header auth_token_name: auth_token) or none.")]
    public string AuthType { get; set; } = "none";

    [Option("The user name (http_basic_auth) or the header's name (http_header).")]
    public string AuthTokenName { get; set; } = "";

    [Option("The password (http_basic_auth) or the header's value (http_header).")]
    public Secret AuthToken { get; set; } = new("");

    [Option("Nest the JSON at the dots of the field names ({\"source\": {\"ip\": ...}}).")]
    public bool HierarchicalOutput { get; set; }

    [Option("Send JSON (IntelMQ's default); false sends the fields as an HTML form (application/x-www-form-urlencoded), one event per request.")]
    public bool UseJson { get; set; } = true;

    [Option("POST a batch as one JSON array instead of one request per event (IntelMQ posts each event alone).")]
    public bool Batch { get; set; }

    [Option("Keep the event's raw field (the original data, base64).")]
    public bool KeepRawField { get; set; }

    [Option("Verify the server's certificate.")]
    public bool HttpVerifyCert { get; set; } = true;

    [Option("A PEM file with the CA certificate to verify the server's certificate against, instead of the system's.")]
    public string SslCaCertificate { get; set; } = "";

    [Option("Seconds to wait for the server to answer; then the events are retried later.", Min = 1, Max = 3600)]
    public double HttpTimeoutSec { get; set; } = 30;
}
