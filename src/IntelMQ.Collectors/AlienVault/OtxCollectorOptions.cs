using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.AlienVault;

/// <summary>Options of the AlienVault OTX collector: IntelMQ's alienvault_otx collector parameters, its HTTP parameters, and ours.</summary>
public sealed record OtxCollectorOptions : HttpParameters
{
    [Option("Your OTX API key (sent as the X-OTX-API-KEY header).")]
    public Secret? ApiKey { get; set; }

    [Option("Fetch only the pulses modified since the last run (the first run: in the last interval hours); false: every subscribed pulse.")]
    public bool ModifiedPulsesOnly { get; set; }

    [Option("With modified_pulses_only, how many hours back the first run asks for modified pulses.", Min = 1, Max = 87600)]
    public int Interval { get; set; } = 24;

    [Option("The OTX API's base URL; pulses/subscribed is appended.")]
    public string ApiUrl { get; set; } = "https://otx.alienvault.com/api/v1/";
}
