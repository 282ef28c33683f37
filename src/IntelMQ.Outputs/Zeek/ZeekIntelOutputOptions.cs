using IntelMQ.Contract;

namespace IntelMQ.Outputs.Zeek;

public sealed record ZeekIntelOutputOptions
{
    [Option("The intel file to write (name it in Zeek's Intel::read_files); PATH.entries and PATH.lock are kept beside it.")]
    public string File { get; set; } = "/var/lib/intelmq/bots/zeek-intel-output/intel.dat";

    [Option("The fields whose values become indicators (IntelMQ or IDF names): addresses, networks, domains, URLs, e-mail addresses and file hashes.")]
    public string[] IndicatorFields { get; set; } = ["source.ip", "source.fqdn", "source.url", "malware.hash.md5", "malware.hash.sha1", "malware.hash.sha256"];

    [Option("meta.source of every indicator; empty writes the event's feed.name.")]
    public string MetaSource { get; set; } = "";

    [Option("Drop an indicator when no event named it for this many days; 0 keeps every indicator.", Min = 0, Max = 36500)]
    public int ExpireEntriesDays { get; set; }
}
