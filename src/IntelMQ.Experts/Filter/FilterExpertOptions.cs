using IntelMQ.Contract;

namespace IntelMQ.Experts.Filter;

public sealed record FilterExpertOptions
{
    [Option("The IntelMQ field to test (extra.name allowed); empty for a filter on time only.")]
    public string FilterKey { get; set; } = "";

    [Option("The value the field is compared with (true/false and numbers match booleans and numbers), or a regular expression with filter_regex.")]
    public string FilterValue { get; set; } = "";

    [Option("Treat filter_value as a regular expression searched in the field's text.")]
    public bool FilterRegex { get; set; }

    [Option("keep passes on only matching events; drop drops them.")]
    public string FilterAction { get; set; } = "";

    [Option("Drop events whose time.source is before this time: an absolute time (2024-01-01T00:00:00+00:00) or a span back from now ('7 days').")]
    public string NotBefore { get; set; } = "";

    [Option("Drop events whose time.source is after this time: an absolute time or a span back from now ('1 hour').")]
    public string NotAfter { get; set; } = "";
}
