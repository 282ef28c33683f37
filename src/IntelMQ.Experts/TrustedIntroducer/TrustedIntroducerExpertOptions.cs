using IntelMQ.Contract;

namespace IntelMQ.Experts.TrustedIntroducer;

public sealed record TrustedIntroducerExpertOptions
{
    [Option("What to look up, in this order, comma-separated: domain (source.fqdn against the teams' constituency domains), asn (source.asn against their AS numbers).")]
    public string Order { get; set; } = "domain, asn";

    [Option("Replace a source.abuse_contact the event already has.")]
    public bool Overwrite { get; set; } = true;

    [Option("The team directory (Trusted Introducer's teams.json); empty means trusted_introducer_teams.json in the program's data directory.")]
    public string Database { get; set; } = "";

    [Option("Where --self-update-db downloads the team directory from.")]
    public string DatabaseUrl { get; set; } = TeamDirectory.DefaultUrl;
}
