using IntelMQ.Contract;

namespace IntelMQ.Example;

public sealed record TagExpertOptions
{
    [Option("The tag written into each event.")]
    public string Tag { get; set; } = "seen";

    [Option("The field that gets the tag, as an IntelMQ name (extra.tag) or an IDF path (custom.tag).")]
    public string Field { get; set; } = "extra.tag";

    [Option("Replace a tag the event already has.")]
    public bool Overwrite { get; set; }
}
