using IntelMQ.Contract;

namespace IntelMQ.Parsers.AnubisNetworks;

/// <summary>Options of the AnubisNetworks parser; named as IntelMQ names its parameter (with its spelling).</summary>
public sealed record AnubisNetworksParserOptions
{
    [Option("Set classification.identifier to the malware family as AnubisNetworks spells it (malw.family).", Aliases = ["use_malware_family_as_classification_identifier"])]
    public bool UseMalwareFamiliyAsClassificationIdentifier { get; set; } = true;
}
