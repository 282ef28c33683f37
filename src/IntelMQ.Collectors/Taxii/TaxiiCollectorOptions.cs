using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Taxii;

/// <summary>Options of the TAXII 2.1 collector, with IntelMQ's HTTP parameters (http_username and http_password for basic authentication).</summary>
public sealed record TaxiiCollectorOptions : HttpParameters
{
    [Option("The server's discovery URL (e.g. https://taxii.example/taxii2/) or the URL of an API root (e.g. https://taxii.example/api1/).")]
    public string? TaxiiUrl { get; set; }

    [Option("Which API root of the discovery to use: its URL as the discovery lists it (absolute or relative); empty: the server's default, else its only one.")]
    public string? ApiRoot { get; set; }

    [Option("The collection to read: its id or its title.")]
    public string? Collection { get; set; }

    [Option("A bearer token, sent as Authorization: Bearer TOKEN (instead of http_username and http_password).")]
    public Secret? Token { get; set; }

    [Option("Where the first run starts: only objects added to the collection after this time (RFC 3339, e.g. 2024-05-01T00:00:00Z); empty: all. Later runs go on from the state.")]
    public string? AddedAfter { get; set; }

    [Option("How many objects to ask for per page (the server may send fewer); each page is one report.", Min = 1, Max = 100000)]
    public int Limit { get; set; } = 1000;
}
