using IntelMQ.Contract;

namespace IntelMQ.Experts.NationalCert;

public sealed record NationalCertExpertOptions
{
    [Option("What to look up, in this order, comma-separated: domain (the TLD of source.fqdn), geolocation (source.geolocation.cc, the country of source.ip).")]
    public string Order { get; set; } = "domain";

    [Option("Where the team goes: FIELD.name, FIELD.email, FIELD.url and FIELD.country (IntelMQ names: extra.X is the IDF's custom.X).")]
    public string Field { get; set; } = "extra.national_cert";

    [Option("Replace a national CERT the event already has (FIELD.name).")]
    public bool Overwrite { get; set; }

    [Option("The table of national CERTs (tab-separated: country, extra TLDs, team, e-mail, web site); empty means national_certs.tsv in the program's data directory, else the sample built in.")]
    public string Database { get; set; } = "";

    [Option("Where --self-update-db downloads Trusted Introducer's team directory from, to build the table.")]
    public string DatabaseUrl { get; set; } = "https://www.trusted-introducer.org/directory/teams.json";
}
