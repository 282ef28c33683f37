using IntelMQ.Contract;

namespace IntelMQ.Experts.Rdap;

public sealed record RdapExpertOptions
{
    [Option("Roles of the RDAP entities whose e-mail address is taken, the first role with one wins.")]
    public string[] RdapOrder { get; set; } = ["abuse", "technical"];

    [Option("RDAP servers by domain suffix, tried before the bootstrap file: {\"de\": \"https://rdap.example/v1/\", \"at\": {\"url\": \"...\", \"auth\": {\"type\": \"jwt\", \"token\": \"...\"}}}.")]
    public IReadOnlyDictionary<string, string>? RdapBootstrappedServers { get; set; }

    [Option("IANA's RDAP bootstrap file for domains (RFC 9224); empty means rdap_dns.json in the program's data directory.")]
    public string BootstrapFile { get; set; } = "";

    [Option("Where --self-update-db downloads the bootstrap file from.")]
    public string BootstrapUrl { get; set; } = "https://data.iana.org/rdap/dns.json";

    [Option("Replace an abuse_contact the event already has; when false, such a side is not looked up.")]
    public bool Overwrite { get; set; }

    [Option("Seconds one request may take; a name may take up to three (its registered domain is searched for), so keep three times this below the run's timeout_ms.", Min = 0.001, Max = 300, Aliases = ["http_timeout_sec"])]
    public double Timeout { get; set; } = 5;

    [Option("Connections to one RDAP server at most; further requests to it wait for one.", Min = 1, Max = 1000)]
    public int ConnectionsPerServer { get; set; } = 4;

    [Option("The User-Agent header sent.")]
    public string HttpUserAgent { get; set; } = "IntelMQ.NET rdap-expert";

    [Option("Domains whose answer is kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 100_000;

    [Option("Seconds an answer ('not registered' included) is kept.", Min = 0, Max = 31_536_000, Aliases = ["redis_cache_ttl"])]
    public double CacheTtl { get; set; } = 86_400;
}
