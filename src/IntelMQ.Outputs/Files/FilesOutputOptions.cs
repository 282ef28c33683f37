using IntelMQ.Contract;

namespace IntelMQ.Outputs.Files;

public sealed record FilesOutputOptions
{
    [Option("The directory events are delivered into (maildir's new/); created when missing.")]
    public string Dir { get; set; } = "/var/lib/intelmq/bots/files-output/incoming";

    [Option("The directory files are written in before they are moved into dir; must be on dir's file system; created when missing.")]
    public string Tmp { get; set; } = "/var/lib/intelmq/bots/files-output/tmp";

    [Option("The files' extension.")]
    public string Suffix { get; set; } = ".json";

    [Option("Nest the JSON at the dots of the field names ({\"source\": {\"ip\": ...}}).")]
    public bool HierarchicalOutput { get; set; }

    [Option("Write only this field's value (IntelMQ or IDF name; raw writes the original data as it was); empty writes the whole event.")]
    public string SingleKey { get; set; } = "";
}
