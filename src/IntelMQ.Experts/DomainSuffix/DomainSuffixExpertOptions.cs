using IntelMQ.Contract;

namespace IntelMQ.Experts.DomainSuffix;

public sealed record DomainSuffixExpertOptions
{
    [Option("Which name to look up on each side: fqdn (source.fqdn) or reverse_dns (source.reverse_dns).")]
    public string Field { get; set; } = "fqdn";

    [Option("The public suffix list file; empty means public_suffix_list.dat in the program's data directory.")]
    public string SuffixFile { get; set; } = "";

    [Option("Replace a domain_suffix the event already has.")]
    public bool Overwrite { get; set; } = true;

    [Option("Where --self-update-db downloads the list from.")]
    public string Url { get; set; } = "https://publicsuffix.org/list/public_suffix_list.dat";
}
