using IntelMQ.Contract;

namespace IntelMQ.Outputs.Stix;

/// <summary>Options of the STIX bundle output.</summary>
public sealed record StixOutputOptions
{
    [Option("The directory each batch's bundle is written to, as bundle--<uuid>.json; it is created when missing.")]
    public string Directory { get; set; } = "/var/lib/intelmq/bots/stix-output";
}
