using IntelMQ.Contract;

namespace IntelMQ.Collectors.Listeners;

/// <summary>Options of the TCP collector: IntelMQ's tcp.collector parameters, and ours for the message size.</summary>
public sealed record TcpCollectorOptions
{
    [Option("The address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface), or another of this machine's.")]
    public string Ip { get; set; } = "127.0.0.1";

    [Option("The TCP port to listen on.", Min = 0, Max = 65535)]
    public int Port { get; set; } = 5000;

    [Option("Messages end with this text (e.g. \\n) and get no answer (Filebeat, IntelMQ's TCP output with counterpart_is_intelmq false). Without it, IntelMQ's TCP output protocol: each message is preceded by its length (4 bytes, big-endian) and answered with Ok once handed on.")]
    public string? Separator { get; set; }

    [Option("The largest message accepted, in bytes; a sender that announces or sends a longer one is disconnected.", Min = 1, Max = 1 << 30)]
    public int MaxMessageSize { get; set; } = 64 << 20;
}
