using IntelMQ.Contract;

namespace IntelMQ.Experts.Sieve;

public sealed record SieveExpertOptions
{
    [Option("The sieve file: IntelMQ's sieve language, read and checked once at start.")]
    public string File { get; set; } = "";
}
