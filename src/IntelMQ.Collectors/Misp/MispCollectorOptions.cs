using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Misp;

/// <summary>Options of the MISP collector: IntelMQ's misp collector parameters and its HTTP parameters (http_verify_cert, proxies, timeouts).</summary>
public sealed record MispCollectorOptions : HttpParameters
{
    [Option("The MISP server's URL, e.g. https://misp.example/ (the REST paths are appended).")]
    public string? MispUrl { get; set; }

    [Option("The MISP authentication key (a user's auth key), sent as the Authorization header.")]
    public Secret? MispKey { get; set; }

    [Option("The tag of the events to collect, e.g. intelmq:to_process; it is removed from each event once the event is handed on. The tag must be exportable in MISP.")]
    public string? MispTagToProcess { get; set; }

    [Option("The tag added to each event once it is handed on, e.g. intelmq:processed; empty: none is added.")]
    public string? MispTagProcessed { get; set; }
}
