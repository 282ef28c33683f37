using IntelMQ.Contract;

namespace IntelMQ.Outputs.Misp;

public sealed record MispFeedOutputOptions
{
    [Option("The name of the organisation creating the events (the events' Orgc).")]
    public string MispOrgName { get; set; } = "";

    [Option("The UUID of the organisation creating the events.")]
    public string MispOrgUuid { get; set; } = "";

    [Option("The feed's directory (manifest.json, hashes.csv, one <uuid>.json per MISP event); created when missing. Point MISP's feed (or a web server) at it.")]
    public string OutputDir { get; set; } = "/var/lib/intelmq/bots/mispfeed-output";

    [Option("How long one MISP event collects IntelMQ events: a number and a unit (minutes, hours, days, weeks), e.g. '1 hour', '1 day'.")]
    public string IntervalEvent { get; set; } = "1 hour";

    [Option("Accepted for IntelMQ configurations: the feed is written once per batch (batch_size events), which is what bulk_save_count asked for.", Min = 0)]
    public int BulkSaveCount { get; set; }

    [Option("Which fields become attributes, and their attribute parameters: a mapping from IntelMQ field names to mappings of MISP attribute parameters (type, category, comment, to_ids, ...); a parameter's value naming a field of the event takes that field's value. Empty writes every field.")]
    public string AttributeMapping { get; set; } = "";

    [Option("A field whose values separate the events: each value gets its own MISP event per interval.", Aliases = ["event_separator"])]
    public string GroupingKey { get; set; } = "";

    [Option("Text put before the 'IntelMQ event <start> - <end>' of each MISP event's info; {key} is the grouping_key's value.")]
    public string AdditionalInfo { get; set; } = "";

    [Option("Tags of the MISP events: a mapping from a grouping_key value (or __all__ for every event) to a list of tags, each a mapping with at least name.")]
    public string Tagging { get; set; } = "";

    [Option("Put the attributes directly into the MISP event instead of an intelmq_event object per IntelMQ event.")]
    public bool FlatEvents { get; set; }
}
