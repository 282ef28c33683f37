using IntelMQ.Contract;

namespace IntelMQ.Experts.Idea;

/// <summary>Options of the IDEA expert, named as IntelMQ's.</summary>
public sealed record IdeaExpertOptions
{
    [Option("Add the IDEA category Test to every message, which marks it as not meant for action while a new producer is being set up.")]
    public bool TestMode { get; set; } = true;
}
