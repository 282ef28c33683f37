using IntelMQ.Contract;

namespace IntelMQ.Experts.FieldReducer;

public sealed record FieldReducerExpertOptions
{
    [Option("whitelist keeps only the fields in keys; blacklist removes them.")]
    public string Type { get; set; } = "blacklist";

    [Option("IntelMQ field names, as a list or comma-separated; 'extra' stands for all extra.* fields.")]
    public string[] Keys { get; set; } = [];
}
