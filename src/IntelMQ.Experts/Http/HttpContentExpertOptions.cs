using IntelMQ.Contract;

namespace IntelMQ.Experts.Http;

public sealed record HttpContentExpertOptions : HttpCheckOptions
{
    [Option("The text the resource must contain to count as online, e.g. 'Index of /'.")]
    public string Needle { get; set; } = "";
}
