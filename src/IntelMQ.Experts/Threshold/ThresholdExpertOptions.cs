using IntelMQ.Contract;

namespace IntelMQ.Experts.Threshold;

public sealed record ThresholdExpertOptions
{
    [Option("blacklist: every field except filter_keys makes the key; whitelist: only filter_keys do.")]
    public string FilterType { get; set; } = "whitelist";

    [Option("IntelMQ field names (list or comma-separated) for filter_type.")]
    public string[] FilterKeys { get; set; } = [];

    [Option("How many events with one key must arrive within timeout seconds before one is passed on.", Min = 1)]
    public int Threshold { get; set; } = 10;

    [Option("Seconds over which events are counted, from the first event of a key.", Min = 1)]
    public int Timeout { get; set; } = 3600;

    [Option("Fields to set on the event passed on, as a JSON object of IntelMQ names and values.")]
    public string AddKeys { get; set; } = "{}";
}
