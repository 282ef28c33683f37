using IntelMQ.Contract;

namespace IntelMQ.Experts.Ripe;

public sealed record RipeExpertOptions
{
    [Option("append: add the contacts found to an abuse_contact the event has, and fill only missing geolocation; replace: put them in its place (none found: remove it) and replace geolocation.")]
    public RipeMode Mode { get; set; } = RipeMode.Append;

    [Option("Ask the RIPE database for the abuse contact of an AS number (asn).")]
    public bool QueryRipeDbAsn { get; set; } = true;

    [Option("Ask the RIPE database for the abuse contact of an address (ip).")]
    public bool QueryRipeDbIp { get; set; } = true;

    [Option("Ask RIPEstat's abuse-contact-finder for the abuse contacts of an AS number.")]
    public bool QueryRipeStatAsn { get; set; } = true;

    [Option("Ask RIPEstat's abuse-contact-finder for the abuse contacts of an address.")]
    public bool QueryRipeStatIp { get; set; } = true;

    [Option("Ask RIPEstat's maxmind-geo-lite for the geolocation of an address (country, city, latitude, longitude).")]
    public bool QueryRipeStatGeolocation { get; set; } = true;

    [Option("The RIPE database's abuse-contact service: ADDRESS.json and asNUMBER.json are asked under it.")]
    public string RipeDbUrl { get; set; } = "https://rest.db.ripe.net/abuse-contact/";

    [Option("RIPEstat's Data API: abuse-contact-finder/data.json and maxmind-geo-lite/data.json are asked under it.")]
    public string RipeStatUrl { get; set; } = "https://stat.ripe.net/data/";

    [Option("Seconds one request may take; the requests of one event run at once, so keep this below the run's timeout_ms.", Min = 0.001, Max = 300, Aliases = ["http_timeout_sec"])]
    public double Timeout { get; set; } = 10;

    [Option("Connections to one server at most; further requests to it wait for one.", Min = 1, Max = 1000)]
    public int ConnectionsPerServer { get; set; } = 8;

    [Option("The User-Agent header sent.")]
    public string HttpUserAgent { get; set; } = "IntelMQ.NET ripe-expert";

    [Option("Answers (per address, AS number and service) kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 100_000;

    [Option("Seconds an answer ('no contact' included) is kept.", Min = 0, Max = 31_536_000, Aliases = ["redis_cache_ttl"])]
    public double CacheTtl { get; set; } = 86_400;
}
