using IntelMQ.Contract;

namespace IntelMQ.Experts.RemoveAffix;

public sealed record RemoveAffixExpertOptions
{
    [Option("Remove the affix from the start of the value (true) or from its end (false).")]
    public bool RemovePrefix { get; set; } = true;

    [Option("The text to remove.")]
    public string Affix { get; set; } = "www.";

    [Option("The IntelMQ field to change.")]
    public string Field { get; set; } = "source.fqdn";
}
