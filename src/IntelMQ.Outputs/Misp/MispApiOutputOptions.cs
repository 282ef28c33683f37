using IntelMQ.Contract;

namespace IntelMQ.Outputs.Misp;

public sealed record MispApiOutputOptions
{
    [Option("The MISP instance's URL, e.g. https://misp.example.org.")]
    public string MispUrl { get; set; } = "";

    [Option("The API key (Authorization header) of the MISP user events are added as.")]
    public Secret MispKey { get; set; } = new("");

    [Option("Verify the MISP server's certificate.", Aliases = ["http_verify_cert"])]
    public bool MispVerify { get; set; } = true;

    [Option("The tag that marks the MISP events this output creates; only events with it are searched for duplicates.")]
    public string MispTagForBot { get; set; } = "";

    [Option("The fields (IntelMQ names) whose values identify an event: an event whose values are all in one tagged MISP event gets a sighting there instead of a new MISP event.")]
    public string[] SignificantFields { get; set; } = [];

    [Option("The fields whose attributes get the IDS flag (to_ids).")]
    public string[] MispToIdsFields { get; set; } = [];

    [Option("Fields whose attributes correlate in MISP besides the significant_fields (the others are created with correlation disabled).")]
    public string[] MispAdditionalCorrelationFields { get; set; } = [];

    [Option("Further tags for new MISP events (not used when looking for duplicates).")]
    public string[] MispAdditionalTags { get; set; } = [];

    [Option("Publish new MISP events (MISP may then share them with other instances: false when in doubt).")]
    public bool MispPublish { get; set; }

    [Option("Tag new MISP events with the event's feed.provider.")]
    public bool AddFeedProviderAsTag { get; set; } = true;

    [Option("Tag new MISP events with the event's feed.name.")]
    public bool AddFeedNameAsTag { get; set; } = true;

    [Option("Seconds to wait for MISP to answer; then the event is retried later.", Min = 1, Max = 3600)]
    public double HttpTimeoutSec { get; set; } = 60;
}
