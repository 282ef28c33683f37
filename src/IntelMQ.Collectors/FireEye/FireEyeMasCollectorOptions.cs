using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.FireEye;

/// <summary>Options of the FireEye MAS collector: IntelMQ's collector_mas parameters (host, request_duration, http_username, http_password) and the other HTTP parameters.</summary>
public sealed record FireEyeMasCollectorOptions : HttpParameters
{
    [Option("The appliance: its DNS name (reached over HTTPS), or a base URL such as https://fireeye.example:8443.", Aliases = ["dns_name"])]
    public string? Host { get; set; }

    [Option("How far back each run asks for alerts, the Web Services API's duration: 1_hour, 2_hours, 6_hours, 12_hours, 24_hours or 48_hours.")]
    public string RequestDuration { get; set; } = "24_hours";
}
