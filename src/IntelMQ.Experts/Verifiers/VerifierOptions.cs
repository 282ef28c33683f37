using IntelMQ.Contract;

namespace IntelMQ.Experts.Verifiers;

/// <summary>The bounds every verifier keeps: how long, how many at once, how often per host, how long an answer is kept.</summary>
public abstract record VerifierOptions
{
    [Option("Check an event that already has a verification result under field again and replace it; when false, such an event passes unchecked.")]
    public bool Overwrite { get; set; }

    [Option("Seconds one check may take in all (waiting for a free slot included); an answer not there by then is 'unknown'. Keep it below timeout_ms.", Min = 0.01, Max = 300)]
    public double Timeout { get; set; } = 10;

    [Option("Checks (DNS and HTTP) running at once, over all events.", Min = 1, Max = 1000)]
    public int MaxConcurrency { get; set; } = 8;

    [Option("Seconds between two HTTP requests to one host; a check that would wait longer than timeout for its turn is 'unknown'.", Min = 0, Max = 3600)]
    public double PerHostInterval { get; set; } = 1;

    [Option("Answers kept in memory; the oldest go first.", Min = 1, Max = 10_000_000)]
    public int CacheSize { get; set; } = 10_000;

    [Option("Seconds an online/offline or found/not_found answer is kept.", Min = 0, Max = 31_536_000)]
    public double CacheTtl { get; set; } = 3600;

    [Option("Seconds an 'unknown' answer (a timeout, a server error) is kept before the next event asks again.", Min = 0, Max = 31_536_000)]
    public double CacheTtlUnknown { get; set; } = 60;

    [Option("The User-Agent of HTTP requests.")]
    public string HttpUserAgent { get; set; } = "IntelMQ.NET verifier";

    [Option("Check the TLS certificate of HTTPS servers; phishing and defaced sites often have broken ones, which then count as not answering.")]
    public bool HttpVerifyCert { get; set; } = true;
}
