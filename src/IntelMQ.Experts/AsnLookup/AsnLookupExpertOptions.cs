using IntelMQ.Contract;

namespace IntelMQ.Experts.AsnLookup;

public sealed record AsnLookupExpertOptions
{
    [Option("The prefix table in pyasn's ipasn text format; empty means ipasn.dat in the program's data directory.")]
    public string Database { get; set; } = "";

    [Option("Replace an AS number or network the event already has.")]
    public bool Overwrite { get; set; }

    [Option("Where --self-update-db downloads a prefix table in ipasn text format (converted from a RouteViews RIB with pyasn_util_convert); required for updates.")]
    public string DatabaseUrl { get; set; } = "";
}
