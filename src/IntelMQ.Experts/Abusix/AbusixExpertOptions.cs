using IntelMQ.Contract;

namespace IntelMQ.Experts.Abusix;

public sealed record AbusixExpertOptions
{
    [Option("Replace a source.abuse_contact or destination.abuse_contact the event already has; when false, such a side is not looked up.")]
    public bool Overwrite { get; set; }

    [Option("The DNS zone of Abusix's abuse contact database: the reversed address is asked under it.")]
    public string Zone { get; set; } = "abuse-contacts.abusix.zone";

    [Option("Name servers to ask, as IP or IP:port ([IPv6]:port); empty means the system's (/etc/resolv.conf).")]
    public string[] NameServers { get; set; } = [];

    [Option("Seconds to wait for one answer from a name server.", Min = 0.001, Max = 300)]
    public double Timeout { get; set; } = 5;

    [Option("Tries more per name server after a timeout or network error.", Min = 0, Max = 10)]
    public int DnsRetries { get; set; } = 1;

    [Option("Addresses whose answer is kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 100_000;

    [Option("Seconds an answer ('no contact' included) is kept.", Min = 0, Max = 31_536_000, Aliases = ["redis_cache_ttl"])]
    public double CacheTtl { get; set; } = 86_400;
}
