using IntelMQ.Contract;

namespace IntelMQ.Collectors.Calidog;

/// <summary>Options of the CertStream collector (IntelMQ's collector_certstream has none of its own besides the feed's).</summary>
public sealed record CertStreamCollectorOptions
{
    [Option("The CertStream websocket's URL (ws:// or wss://); a self-hosted certstream-server's too.")]
    public string Url { get; set; } = "wss://certstream.calidog.io/";

    [Option("Seconds without any message (CertStream sends a heartbeat every few seconds) after which the stream counts as broken and is opened again.", Min = 1, Max = 3600)]
    public double TimeoutSec { get; set; } = 60;

    [Option("The largest message taken, in bytes; a longer one breaks the stream (a certificate update is a few kilobytes).", Min = 1024, Max = 67_108_864)]
    public int MaxMessageSize { get; set; } = 1_048_576;
}
