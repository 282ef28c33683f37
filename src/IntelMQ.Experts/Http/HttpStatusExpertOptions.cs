using IntelMQ.Contract;

namespace IntelMQ.Experts.Http;

public sealed record HttpStatusExpertOptions : HttpCheckOptions
{
    [Option("HTTP status codes that mean online, e.g. [200, 301]; empty means 200 to 399.")]
    public string[] SuccessStatusCodes { get; set; } = [];
}
