using IntelMQ.Contract;

namespace IntelMQ.Experts.DomainValid;

public sealed record DomainValidExpertOptions
{
    [Option("The IntelMQ field holding the domain name to check.")]
    public string DomainField { get; set; } = "source.fqdn";

    [Option("IANA's list of top-level domains (tlds-alpha-by-domain.txt); empty means that file in the program's data directory.")]
    public string TldsDomainsList { get; set; } = "";

    [Option("Where --self-update-db downloads the list of top-level domains from.")]
    public string Url { get; set; } = "https://data.iana.org/TLD/tlds-alpha-by-domain.txt";
}
