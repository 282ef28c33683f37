using IntelMQ.Contract;

namespace IntelMQ.Outputs.Rpz;

public sealed record RpzFileOutputOptions
{
    [Option("The zone file to write; PATH.entries (the domains kept) and PATH.lock are kept beside it.")]
    public string File { get; set; } = "/var/lib/intelmq/bots/rpz-file-output/rpz.zone";

    [Option("The name listed domains are answered with (CNAME); empty answers NXDOMAIN (CNAME .), as RPZ defines.")]
    public string Cname { get; set; } = "";

    [Option("The organisation named in the zone's comment header.")]
    public string OrganizationName { get; set; } = "";

    [Option("The zone's name (the SOA's primary name server) and the web site named under 'Terms Of Use'.")]
    public string RpzDomain { get; set; } = "rpz.localhost";

    [Option("The SOA's responsible-person name (hostmaster.rpz.example.org).")]
    public string HostmasterRpzDomain { get; set; } = "hostmaster.rpz.localhost";

    [Option("The contact address named in the comment header (written with [at]).")]
    public string RpzEmail { get; set; } = "";

    [Option("The zone's default TTL in seconds ($TTL).", Min = 0, Max = 2147483647)]
    public int Ttl { get; set; } = 3600;

    [Option("The SOA's negative-caching TTL in seconds.", Min = 0, Max = 2147483647)]
    public int Ncachttl { get; set; } = 60;

    [Option("The lowest SOA serial to use; every rewrite takes the largest of this, the previous serial plus one and the time as yyMMddHHmm, so secondaries always see a newer zone.")]
    public long Serial { get; set; }

    [Option("The SOA's refresh interval in seconds.", Min = 0, Max = 2147483647)]
    public int Refresh { get; set; } = 60;

    [Option("The SOA's retry interval in seconds.", Min = 0, Max = 2147483647)]
    public int Retry { get; set; } = 60;

    [Option("The SOA's expire time in seconds.", Min = 0, Max = 2147483647)]
    public int Expire { get; set; } = 432000;

    [Option("A domain listed first, after the header, to test the zone with (IntelMQ's test_domain).")]
    public string TestDomain { get; set; } = "";

    [Option("Drop a domain from the zone when no event named it for this many days; 0 keeps every domain.", Min = 0, Max = 36500)]
    public int ExpireEntriesDays { get; set; }
}
