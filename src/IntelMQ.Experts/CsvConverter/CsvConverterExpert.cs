using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.CsvConverter;

/// <summary>Writes chosen fields as one CSV row into the output field, as IntelMQ's csv_converter expert does.</summary>
[Program("csv-converter-expert", ProgramKind.Expert, "Sets the output field to a CSV row of the chosen fields.",
    Modules = ["intelmq.bots.experts.csv_converter.expert"],
    Options = typeof(CsvConverterExpertOptions),
    Description = """
        The row holds fieldnames in order, separated by delimiter, each value as Python writes it; a cell holding
        the delimiter, a quote or a line break is quoted as Python's csv module does. The row replaces the output
        field.
        """,
    FieldsWritten = ["output"],
    Examples = ["intelmq run csv-converter-expert --set fieldnames=time.source,source.ip --set 'delimiter=;' < events.jsonl"])]
public sealed class CsvConverterExpert : IExpert
{
    readonly string[] _fields;
    readonly string _delimiter;

    public CsvConverterExpert(CsvConverterExpertOptions options)
    {
        if (options.Delimiter.Length != 1) throw new ConfigurationException("csv-converter-expert: option 'delimiter' must be one character.");
        _delimiter = options.Delimiter;
        _fields = [.. options.Fieldnames.SelectMany(f => f.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(f => IntelMQFields.Require("csv-converter-expert", "fieldnames", f))];
    }

    public void Process(Event ev, IEmitter output)
    {
        var row = new StringBuilder();
        for (var i = 0; i < _fields.Length; i++)
        {
            if (i > 0) row.Append(_delimiter);
            var value = ev[_fields[i]];
            var cell = value is null ? "" : PythonText.Of(value);
            if (cell.Contains(_delimiter, StringComparison.Ordinal) || cell.AsSpan().IndexOfAny('"', '\r', '\n') >= 0)
                row.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else row.Append(cell);
        }
        ev.TryAdd("output", row.ToString(), overwrite: true);
        output.Emit(ev);
    }
}
