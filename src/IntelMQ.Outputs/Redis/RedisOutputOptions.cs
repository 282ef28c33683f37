using IntelMQ.Contract;

namespace IntelMQ.Outputs.Redis;

public sealed record RedisOutputOptions
{
    [Option("The Redis server's host name or address.")]
    public string RedisServerIp { get; set; } = "127.0.0.1";

    [Option("The Redis server's port.", Min = 1, Max = 65535)]
    public int RedisServerPort { get; set; } = 6379;

    [Option("The Redis database number.", Min = 0, Max = 10_000)]
    public int RedisDb { get; set; } = 2;

    [Option("The Redis password; empty for none.")]
    public Secret RedisPassword { get; set; } = new("");

    [Option("The list events are pushed onto (required), e.g. another IntelMQ's expert queue 'deduplicator-expert-queue'.")]
    public string RedisQueue { get; set; } = "";

    [Option("Milliseconds to wait for connecting and for each command; then the batch is retried.", Min = 1, Max = 3_600_000)]
    public int RedisTimeout { get; set; } = 5000;

    [Option("Nest the JSON at the dots of the field names ({\"source\": {\"ip\": ...}}); an IntelMQ bot reading the queue expects it flat.")]
    public bool HierarchicalOutput { get; set; }

    [Option("Write __type (\"Event\"), which an IntelMQ bot reading the queue needs.")]
    public bool WithType { get; set; } = true;
}
