using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Blueliv;

/// <summary>Options of the Blueliv Crimeserver collector: IntelMQ's collector_crimeserver parameters, the HTTP parameters, and ours.</summary>
public sealed record BluelivCrimeserverCollectorOptions : HttpParameters
{
    [Option("Your Blueliv API token, sent as Authorization: bearer TOKEN.")]
    public Secret? ApiKey { get; set; }

    [Option("The API's base URL (the free API by default; subscribers give https://api.blueliv.com); /v1/crimeserver/ and feed_type are appended.")]
    public string ApiUrl { get; set; } = "https://freeapi.blueliv.com";

    [Option("Which Crimeserver list to fetch: online (every crime server online now), recent (updated in the last hour) or last (in the last 15 minutes).")]
    public string FeedType { get; set; } = "online";
}
