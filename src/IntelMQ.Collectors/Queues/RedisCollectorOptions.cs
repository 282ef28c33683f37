using IntelMQ.Contract;

namespace IntelMQ.Collectors.Queues;

/// <summary>Options of the Redis collector, named as IntelMQ's Redis output names its parameters.</summary>
public sealed record RedisCollectorOptions
{
    [Option("The Redis server's host name or address.")]
    public string RedisServerIp { get; set; } = "127.0.0.1";

    [Option("The Redis server's port.", Min = 1, Max = 65535)]
    public int RedisServerPort { get; set; } = 6379;

    [Option("The database number.", Min = 0, Max = 15000)]
    public int RedisDb { get; set; } = 2;

    [Option("The server's password (requirepass).")]
    public Secret? RedisPassword { get; set; }

    [Option("The list other systems fill (LPUSH, as IntelMQ's Redis output does); the collector takes from its other end.")]
    public string? RedisQueue { get; set; }

    [Option("The list a message is moved to while its report is handed on, and removed from after; what a crash leaves there is handed on first at the next start. Default: redis_queue followed by -internal.")]
    public string? ProcessingQueue { get; set; }

    [Option("Connect and command timeout, in milliseconds (IntelMQ's redis_timeout).", Min = 100, Max = 600_000)]
    public int RedisTimeout { get; set; } = 5000;

    [Option("Each message is an IntelMQ report (JSON): its raw becomes the body and its fields the report's. Otherwise the message is the report's body as it is.")]
    public bool ExpectIntelmqMessage { get; set; }
}
