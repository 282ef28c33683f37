using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.TruncateByDelimiter;

/// <summary>Shortens a long value by cutting leading parts at a delimiter, as IntelMQ's truncate_by_delimiter expert does.</summary>
[Program("truncate-by-delimiter-expert", ProgramKind.Expert, "Cuts leading labels off a value longer than max_length (a.b.c.example.com → c.example.com).",
    Modules = ["intelmq.bots.experts.truncate_by_delimiter.expert"],
    Options = typeof(TruncateByDelimiterExpertOptions),
    Description = """
        While the field's text is longer than max_length and still holds the delimiter, everything up to and
        including the first delimiter is removed. Events without the field pass unchanged.
        """,
    FieldsRead = ["source.domain"],
    FieldsWritten = ["source.domain"],
    Examples = ["intelmq run truncate-by-delimiter-expert --set max_length=100 < events.jsonl"])]
public sealed class TruncateByDelimiterExpert(TruncateByDelimiterExpertOptions options) : IExpert
{
    readonly string _field = IntelMQFields.Require("truncate-by-delimiter-expert", "field", options.Field);

    public void Process(Event ev, IEmitter output)
    {
        if (options.Delimiter.Length > 0 && ev[_field] is string value && value.Length > options.MaxLength)
        {
            var cut = value;
            while (cut.Length > options.MaxLength && cut.IndexOf(options.Delimiter, StringComparison.Ordinal) is var at and >= 0)
                cut = cut[(at + options.Delimiter.Length)..];
            ev.TryAdd(_field, cut, overwrite: true);
        }
        output.Emit(ev);
    }
}
