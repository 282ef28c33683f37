using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Shodan;

/// <summary>Options of the Shodan stream collector: IntelMQ's shodan collector_stream parameters, its HTTP parameters, and ours.</summary>
public sealed record ShodanStreamCollectorOptions : HttpParameters
{
    [Option("Your Shodan API key (an account with streaming access).")]
    public Secret? ApiKey { get; set; }

    [Option("Stream only the banners of these countries: two-letter codes, a list or comma-separated, e.g. AT,DE.")]
    public string[] Countries { get; set; } = [];

    [Option("Stream the banners of a network alert set up in Shodan Monitor: the alert's id, or 'all' for every alert of the account. Not with countries.")]
    public string? Alert { get; set; }

    [Option("The streaming API's base URL; shodan/banners, shodan/countries/... or shodan/alert/... is appended.")]
    public string ApiUrl { get; set; } = "https://stream.shodan.io/";

    [Option("Remove white space from both ends of every banner line (lines left empty, Shodan's keep-alives, are skipped either way).")]
    public bool StripLines { get; set; } = true;
}
