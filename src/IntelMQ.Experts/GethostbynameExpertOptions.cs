using IntelMQ.Contract;

namespace IntelMQ.Experts;

public sealed record GethostbynameExpertOptions
{
    [Option("Replace a source.ip or destination.ip the event already has; when false, a side that has an IP address is not looked up.")]
    public bool Overwrite { get; set; }

    [Option("Take the host name from source.url / destination.url when the event has no source.fqdn / destination.fqdn (an IP literal in the URL is used as it is).")]
    public bool FallbackToUrl { get; set; }

    [Option("IntelMQ's gaierror codes to treat as 'no address' besides -2, -4, -5, -8 and -11; only -3 (EAI_AGAIN: server failure or timeout) changes anything here: with it, such events pass unchanged instead of being retried.")]
    public string[] GaierrorsToIgnore { get; set; } = [];

    [Option("Name servers to ask, as IP or IP:port ([IPv6]:port); empty means the system's (/etc/resolv.conf).")]
    public string[] NameServers { get; set; } = [];

    [Option("Seconds to wait for one answer from a name server; keep timeout × (dns_retries + 1) × servers below the run's timeout per event.", Min = 0.001, Max = 300)]
    public double Timeout { get; set; } = 5;

    [Option("Tries more per name server after a timeout or network error, before the next server is asked.", Min = 0, Max = 10)]
    public int DnsRetries { get; set; } = 2;

    [Option("Names whose answer (an address, or 'no such name') is kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 10_000;

    [Option("Seconds an answer is kept before the name is asked again.", Min = 0, Max = 31_536_000)]
    public double CacheTtl { get; set; } = 3600;
}
