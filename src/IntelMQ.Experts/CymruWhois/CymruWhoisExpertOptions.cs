using IntelMQ.Contract;

namespace IntelMQ.Experts.CymruWhois;

public sealed record CymruWhoisExpertOptions
{
    [Option("Replace AS number, network, country code, registry, allocation date and AS name the event already has.")]
    public bool Overwrite { get; set; } = true;

    [Option("Name servers to ask, as IP or IP:port ([IPv6]:port); empty means the system's (/etc/resolv.conf).")]
    public string[] NameServers { get; set; } = [];

    [Option("Seconds to wait for one answer from a name server.", Min = 0.001, Max = 300)]
    public double Timeout { get; set; } = 5;

    [Option("Tries more per name server after a timeout or network error.", Min = 0, Max = 10)]
    public int DnsRetries { get; set; } = 1;

    [Option("Addresses and AS numbers whose answer is kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 100_000;

    [Option("Seconds an answer is kept (IntelMQ's redis_cache_ttl).", Min = 0, Max = 31_536_000)]
    public double CacheTtl { get; set; } = 86_400;
}
