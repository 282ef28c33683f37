using IntelMQ.Contract;

namespace IntelMQ.Experts.Modify;

public sealed record ModifyExpertOptions
{
    [Option("The JSON rule file: a list of {\"rulename\", \"if\": {field: regex or value}, \"then\": {field: value}}.")]
    public string ConfigurationPath { get; set; } = "";

    [Option("Let a rule's then replace fields the event already has.")]
    public bool Overwrite { get; set; } = true;

    [Option("Stop after this many rules matched an event; 0 applies every matching rule.", Min = 0)]
    public int MaximumMatches { get; set; }

    [Option("Match regular expressions without regard to case.")]
    public bool CaseSensitive { get; set; } = true;
}
