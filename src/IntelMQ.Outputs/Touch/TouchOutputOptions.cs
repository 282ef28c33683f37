using IntelMQ.Contract;

namespace IntelMQ.Outputs.Touch;

public sealed record TouchOutputOptions
{
    [Option("The file whose modification time is set to now for every batch of events; created empty when missing.")]
    public string Path { get; set; } = "/var/lib/intelmq/bots/touch-output/touched";
}
