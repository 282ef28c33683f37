using IntelMQ.Contract;

namespace IntelMQ.Experts.TorNodes;

public sealed record TorNodesExpertOptions
{
    [Option("The list of Tor exit node addresses, one a line ('#' comments); empty means tor_nodes.dat in the program's data directory.")]
    public string Database { get; set; } = "";

    [Option("Replace a tor_node flag the event already has.")]
    public bool Overwrite { get; set; }

    [Option("Where --self-update-db downloads the list from.")]
    public string DatabaseUrl { get; set; } = "https://check.torproject.org/torbulkexitlist";
}
