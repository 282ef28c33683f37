using IntelMQ.Contract;

namespace IntelMQ.Outputs.Splunk;

public sealed record SplunkOutputOptions
{
    [Option("The HTTP Event Collector's base address, e.g. https://splunk.example.org:8088.")]
    public string HecUrl { get; set; } = "https://127.0.0.1:8088";

    [Option("The HEC token (a GUID), sent as 'Authorization: Splunk <token>'.")]
    public Secret Token { get; set; } = new("");

    [Option("The index events go to; empty for the token's default index.")]
    public string Index { get; set; } = "";

    [Option("The events' sourcetype.")]
    public string Sourcetype { get; set; } = "intelmq:event";

    [Option("The events' source; empty for Splunk's default (the token's name).")]
    public string Source { get; set; } = "";

    [Option("The events' host; empty for Splunk's default (the sender's address).")]
    public string Host { get; set; } = "";

    [Option("Wait for indexer acknowledgement: an event counts as delivered only once Splunk acknowledges it (the token must have acknowledgement enabled).")]
    public bool UseAck { get; set; }

    [Option("Seconds to wait for indexer acknowledgement; a batch not acknowledged by then is sent again later.", Min = 1, Max = 3600)]
    public double AckTimeoutSec { get; set; } = 60;

    [Option("Verify Splunk's certificate.")]
    public bool HttpVerifyCert { get; set; } = true;

    [Option("A PEM file with the CA certificate to verify Splunk's certificate against, instead of the system's.")]
    public string SslCaCertificate { get; set; } = "";

    [Option("Seconds to wait for Splunk to answer a request; then the batch is retried later.", Min = 1, Max = 3600)]
    public double HttpTimeoutSec { get; set; } = 30;
}
