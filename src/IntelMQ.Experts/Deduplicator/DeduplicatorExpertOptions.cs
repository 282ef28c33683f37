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
}
