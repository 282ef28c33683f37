using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Eset;

/// <summary>Options of the ESET Threat Intelligence collector: IntelMQ's eset.collector parameters and the HTTP parameters.</summary>
public sealed record EsetCollectorOptions : HttpParameters
{
    [Option("Your ESET Threat Intelligence user name.")]
    public string? Username { get; set; }

    [Option("Your ESET Threat Intelligence password.")]
    public Secret? Password { get; set; }

    [Option("The TAXII 1.1 server: a host name (reached over HTTPS) or a base URL.")]
    public string Endpoint { get; set; } = "eti.eset.com";

    [Option("The path of the server's TAXII discovery service, which names its poll service; also the reports' feed.url.")]
    public string DiscoveryPath { get; set; } = "/taxiiservice/discovery";

    [Option("The poll service's path or URL; empty: the poll service the discovery service names.")]
    public string? PollPath { get; set; }

    [Option("The collection to poll, e.g. ei.urls (json).")]
    public string? Collection { get; set; }

    [Option("On the first run, poll this many seconds back; later runs poll from where the last one ended.", Min = 1)]
    public long TimeDelta { get; set; } = 3600;
}
