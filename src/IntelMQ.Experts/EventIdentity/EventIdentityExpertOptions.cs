using IntelMQ.Contract;

namespace IntelMQ.Experts.EventIdentity;

public sealed record EventIdentityExpertOptions
{
    [Option("This installation's name in an event's path (producers); empty: the installation's producer id (INTELMQ_PRODUCER or the state directory's producer-id).")]
    public string Producer { get; set; } = "";

    [Option("Seconds an event id is remembered; the same id arriving later passes again (unless its path shows a loop).", Aliases = ["redis_cache_ttl"], Min = 1)]
    public int Ttl { get; set; } = 86_400;

    [Option("Give an event whose content matches an earlier event with another id (the same record from another producer) a duplicate-of link to that event's id.")]
    public bool LinkRelated { get; set; }

    [Option("Where the ids are kept: embedded (a file in the data directory, one process) or redis (shared by several processes; the redis_cache_* options).")]
    public string Store { get; set; } = "embedded";

    [Option("With store=redis: the Redis server's host.")]
    public string RedisCacheHost { get; set; } = "127.0.0.1";

    [Option("With store=redis: the Redis server's port.", Min = 1, Max = 65535)]
    public int RedisCachePort { get; set; } = 6379;

    [Option("With store=redis: the database number; keys start with event-identity:, so the deduplicator's database 6 can be shared.", Min = 0)]
    public int RedisCacheDb { get; set; } = 6;

    [Option("With store=redis: the server's password, if it asks for one.")]
    public Secret? RedisCachePassword { get; set; }
}
