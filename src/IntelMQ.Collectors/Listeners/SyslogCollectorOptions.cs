using IntelMQ.Contract;

namespace IntelMQ.Collectors.Listeners;

/// <summary>Options of the syslog listener.</summary>
public sealed record SyslogCollectorOptions
{
    [Option("The address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface), or another of this machine's.")]
    public string Ip { get; set; } = "127.0.0.1";

    [Option("The port to listen on, for UDP and TCP alike (514 needs CAP_NET_BIND_SERVICE).", Min = 0, Max = 65535)]
    public int Port { get; set; } = 514;

    [Option("Which transports to listen on: udp, tcp, or udp,tcp.")]
    public string Protocols { get; set; } = "udp,tcp";

    [Option("The longest message kept, in bytes; the rest of a longer one is cut off (RFC 5425 asks for at least 2048; 8192 is usual).", Min = 480, Max = 1 << 20)]
    public int MaxMessageSize { get; set; } = 8192;

    [Option("A report is handed on once it holds this many messages (lines).", Min = 1, Max = 1_000_000)]
    public int ReportLines { get; set; } = 1000;

    [Option("... or once its first message has waited this many seconds.", Min = 0.01, Max = 3600)]
    public double ReportSeconds { get; set; } = 5;

    [Option("How many received messages may wait for their report; beyond it UDP messages are dropped (and counted in the log) and TCP senders are not read.", Min = 1, Max = 10_000_000)]
    public int BufferSize { get; set; } = 100_000;
}
