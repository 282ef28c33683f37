using IntelMQ.Contract;

namespace IntelMQ.Outputs.Network;

public sealed record UdpOutputOptions
{
    [Option("The receiver's host name or address.", Aliases = ["ip"])]
    public string UdpHost { get; set; } = "localhost";

    [Option("The receiver's port (required), e.g. 514 for syslog.", Min = 0, Max = 65535, Aliases = ["port"])]
    public int UdpPort { get; set; }

    [Option("json (the event as nested JSON) or delimited (field:value pairs separated by field_delimiter).")]
    public UdpFormat Format { get; set; } = UdpFormat.Json;

    [Option("The separator of the delimited format.")]
    public string FieldDelimiter { get; set; } = "|";

    [Option("Text every datagram begins with (a syslog tag).")]
    public string Header { get; set; } = "intelmq-event";

    [Option("Keep the event's raw field (the original data, base64).")]
    public bool KeepRawField { get; set; }
}
