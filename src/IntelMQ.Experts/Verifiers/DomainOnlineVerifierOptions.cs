using IntelMQ.Contract;

namespace IntelMQ.Experts.Verifiers;

public sealed record DomainOnlineVerifierOptions : VerifierOptions
{
    [Option("Where the verdict goes: FIELD.result, FIELD.confidence, FIELD.detail and FIELD.time (IntelMQ names: extra.X is the IDF's custom.X).")]
    public string Field { get; set; } = "extra.verification.domain";

    [Option("After the name resolves, also send an HTTP HEAD request (to source.url, else http://DOMAIN/): any HTTP answer means online.")]
    public bool HttpCheck { get; set; }

    [Option("Name servers to ask, as IP or IP:port ([IPv6]:port); empty means the system's (/etc/resolv.conf).")]
    public string[] NameServers { get; set; } = [];
}
