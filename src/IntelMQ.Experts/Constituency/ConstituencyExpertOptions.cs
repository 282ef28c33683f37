using IntelMQ.Contract;

namespace IntelMQ.Experts.Constituency;

public sealed record ConstituencyExpertOptions
{
    [Option("The constituency file (YAML): a list of constituencies, each with name, contacts and the networks, asns and domains it covers.")]
    public string Database { get; set; } = "";

    [Option("Replace a constituency or abuse contact the event already has.")]
    public bool Overwrite { get; set; }

    [Option("The field that receives the constituency's name.")]
    public string Field { get; set; } = "extra.constituency";
}
