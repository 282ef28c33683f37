using IntelMQ.Contract;

namespace IntelMQ.Experts.RecordedFutureIpRisk;

public sealed record RecordedFutureIpRiskExpertOptions
{
    [Option("Recorded Future's IP risk list as CSV (Name, Risk, ...): the file to read.")]
    public string Database { get; set; } = "";

    [Option("Replace an extra.rf_iprisk.* score the event already has.")]
    public bool Overwrite { get; set; }
}
