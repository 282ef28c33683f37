using IntelMQ.Contract;

namespace IntelMQ.Experts.Url;

public sealed record UrlExpertOptions
{
    [Option("Replace fields the event already has with the parts of its URL.")]
    public bool Overwrite { get; set; }

    [Option("IntelMQ field names never to fill (source.port, protocol.application, ...).")]
    public string[] SkipFields { get; set; } = [];
}
