using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Shodan;

/// <summary>Options of the Shodan parser.</summary>
public sealed record ShodanParserOptions : DhoParserOptions
{
    [Option("A value its field refuses is kept under extra.shodan.refused.* and the banner goes on; false sends the banner to the dump instead.")]
    public bool IgnoreErrors { get; set; } = true;

    [Option("Only the essentials (address, port, AS, country, transport, organisation, data, time) and the whole banner as extra.shodan; "
            + "classification.identifier network-scan instead of shodan-scan.")]
    public bool MinimalMode { get; set; }
}
