using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>Options of the HTTP stream collector: IntelMQ's collector_http_stream parameters and its HTTP parameters.</summary>
public sealed record HttpStreamCollectorOptions : HttpParameters
{
    [Option("The URL of the stream, e.g. https://stream.example.org/feed?key=KEY.")]
    public string? HttpUrl { get; set; }

    [Option("As the HTTP collector's: replace {time[FORMAT]} in http_url by the local time, optionally shifted by a timedelta.", AlsoAccepts = ["boolean", "object"])]
    public string? HttpUrlFormatting { get; set; }

    [Option("Remove white space from both ends of every line (lines left empty are skipped either way).")]
    public bool StripLines { get; set; } = true;
}
