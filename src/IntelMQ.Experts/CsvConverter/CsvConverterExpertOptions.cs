using IntelMQ.Contract;

namespace IntelMQ.Experts.CsvConverter;

public sealed record CsvConverterExpertOptions
{
    [Option("The IntelMQ fields to write, in order (list or comma-separated); a missing field gives an empty cell.")]
    public string[] Fieldnames { get; set; } = [];

    [Option("The character between cells.")]
    public string Delimiter { get; set; } = ",";
}
