using IntelMQ.Contract;

namespace IntelMQ.Experts.Constituency;

public sealed record ConstituencyExpertOptions
{
    [Option("The constituency file: CSV lines of kind,value,contacts,name (kind: network, asn or domain; contacts separated by spaces).")]
    public string Database { get; set; } = "";

    [Option("Replace a constituency or abuse contact the event already has.")]
    public bool Overwrite { get; set; }

    [Option("The field that receives the constituency's name.")]
    public string Field { get; set; } = "extra.constituency";
}
