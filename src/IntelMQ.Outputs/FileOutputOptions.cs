using IntelMQ.Core;
using IntelMQ.Contract;

namespace IntelMQ.Outputs;

public sealed record FileOutputOptions
{
    [Option("The file to append events to; its directory is created when missing.", Aliases = ["file"])]
    public string Path { get; set; } = "/var/lib/intelmq/bots/file-output/events.txt";

    [Option("How events are written: ndjson (one IDF event per line), idf (IDF packets) or dho (IntelMQ's JSON lines).")]
    public MessageFormat Format { get; set; } = MessageFormat.Ndjson;

    [Option("Call fsync after every flush, so that written events survive a power cut.")]
    public bool Fsync { get; set; }

    [Option("Events per IDF packet when format is idf.", Min = 1, Max = 1_000_000)]
    public int PacketSize { get; set; } = 500;

    [Option("With format dho: keep the event's raw field (the original line, base64), which IntelMQ's file output leaves out by default.")]
    public bool KeepRawField { get; set; }

    [Option("With format dho: write __type (\"Event\"), which IntelMQ's file output leaves out by default.")]
    public bool MessageWithType { get; set; }
}
