using IntelMQ.Contract;

namespace IntelMQ.Outputs.Network;

public sealed record TcpOutputOptions
{
    [Option("The receiver's host name or address.")]
    public string Ip { get; set; } = "localhost";

    [Option("The receiver's port (required).", Min = 0, Max = 65535)]
    public int Port { get; set; }

    [Option("Written after every message, e.g. \"\\n\" for newline-delimited JSON; with counterpart_is_intelmq usually empty.")]
    public string Separator { get; set; } = "";

    [Option("Nest the JSON at the dots of the field names ({\"source\": {\"ip\": ...}}); an IntelMQ TCP collector expects it flat.")]
    public bool HierarchicalOutput { get; set; }

    [Option("The receiver is IntelMQ's TCP collector: each message is preceded by its length (4 bytes, big-endian) and answered with \"Ok\", which is awaited.")]
    public bool CounterpartIsIntelmq { get; set; } = true;

    [Option("Seconds to wait for connecting, sending and each \"Ok\"; then the rest of the batch is retried.", Min = 1, Max = 3600)]
    public double TimeoutSec { get; set; } = 30;
}
