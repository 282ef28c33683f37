using IntelMQ.Contract;

namespace IntelMQ.Experts.Aggregate;

public sealed record AggregateExpertOptions
{
    [Option("The fields whose values make the group key, comma-separated as in IntelMQ (a list is accepted too).", AlsoAccepts = ["array"])]
    public string Fields { get; set; } = "classification.type, classification.identifier";

    [Option("Groups with fewer events than this when their time span ends are dropped instead of passed on.", Min = 1, Max = int.MaxValue)]
    public int Threshold { get; set; } = 10;

    [Option("How long a group collects events from its first one: a duration such as '1 hour', '30 minutes', '2 days'.")]
    public string Timespan { get; set; } = "1 hour";

    [Option("At most this many parent links (to the aggregated events' ids) in one aggregate; the count goes on beyond it.", Min = 0, Max = 1_000_000)]
    public int MaxLinks { get; set; } = 1000;
}
