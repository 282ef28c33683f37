using IntelMQ.Contract;

namespace IntelMQ.Experts.Rfc1918;

public sealed record Rfc1918ExpertOptions
{
    [Option("IntelMQ fields to check, comma-separated: IP addresses, host names, URLs and AS numbers (destination.ip,source.fqdn,source.url,source.asn).")]
    public string Fields { get; set; } = "";

    [Option("For each field, in the same order: del removes the field, drop drops the event.")]
    public string Policy { get; set; } = "";
}
