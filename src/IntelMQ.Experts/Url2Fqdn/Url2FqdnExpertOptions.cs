using IntelMQ.Contract;

namespace IntelMQ.Experts.Url2Fqdn;

public sealed record Url2FqdnExpertOptions
{
    [Option("Replace a source.fqdn / destination.fqdn the event already has.")]
    public bool Overwrite { get; set; }
}
