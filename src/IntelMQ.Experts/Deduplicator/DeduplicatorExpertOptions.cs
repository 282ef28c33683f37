using IntelMQ.Contract;

namespace IntelMQ.Experts.Deduplicator;

public sealed record DeduplicatorExpertOptions
{
    [Option("blacklist: every field except filter_keys identifies an event; whitelist: only filter_keys do.")]
    public string FilterType { get; set; } = "blacklist";

    [Option("IntelMQ field names (list or comma-separated) for filter_type; raw and time.observation are usual blacklist entries.")]
    public string[] FilterKeys { get; set; } = [];

    [Option("Pass every event on without looking at it.")]
    public bool Bypass { get; set; }

    [Option("Seconds an event is remembered; a duplicate arriving later passes again.", Aliases = ["redis_cache_ttl"], Min = 1)]
    public int Ttl { get; set; } = 86_400;

    [Option("Where the keys are kept: embedded (a file in the data directory, one process) or redis (shared by several processes and with IntelMQ's deduplicators; the redis_cache_* options).")]
    public string Store { get; set; } = "embedded";

    [Option("With store=redis: the Redis server's host.")]
    public string RedisCacheHost { get; set; } = "127.0.0.1";

    [Option("With store=redis: the Redis server's port.", Min = 1, Max = 65535)]
    public int RedisCachePort { get; set; } = 6379;

    [Option("With store=redis: the database number (IntelMQ's deduplicator uses 6).", Min = 0)]
    public int RedisCacheDb { get; set; } = 6;

    [Option("With store=redis: the server's password, if it asks for one.")]
    public Secret? RedisCachePassword { get; set; }

    [Option("Pass a duplicate on with a duplicate-of link to the first event's event.id instead of dropping it.")]
    public bool DuplicateOf { get; set; }
}
