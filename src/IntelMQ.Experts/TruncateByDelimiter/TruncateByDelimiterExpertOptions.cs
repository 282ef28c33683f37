using IntelMQ.Contract;

namespace IntelMQ.Experts.TruncateByDelimiter;

public sealed record TruncateByDelimiterExpertOptions
{
    [Option("The text between the parts of the value.")]
    public string Delimiter { get; set; } = ".";

    [Option("The longest value kept; longer values lose their leading parts until they fit.", Min = 1)]
    public int MaxLength { get; set; } = 200;

    [Option("The IntelMQ field to shorten.")]
    public string Field { get; set; } = "source.fqdn";
}
