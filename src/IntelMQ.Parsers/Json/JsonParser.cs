using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Json;

/// <summary>
/// IntelMQ's JSON parser: reports whose body is an IntelMQ event in JSON (IntelMQ's own format), one per report, one
/// per line, or a list of them. Each event starts from the report's fields, which the event's own fields overwrite.
/// </summary>
[Program("json-parser", ProgramKind.Parser, "Parses IntelMQ events given as JSON: one per report, JSON lines, or a JSON list.",
    Modules = ["intelmq.bots.parsers.json.parser"],
    Options = typeof(JsonParserOptions),
    Description = """
        Reads IntelMQ's JSON format (flat field names: source.ip, extra.x, raw in base64) and emits each event with the report's
        feed fields and observation time, overwritten by the event's own. The event's raw is kept; an event without one gets
        its line (splitlines) or the report as event.original. A line or list item that is not valid JSON, is nested deeper than
        64 levels, or has an unknown field or invalid value goes to the dump with its position; the rest go on.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["*"],
    Examples =
    [
        "intelmq run json-parser --raw --set splitlines=true < events.jsonl",
        "intelmq run intelmq.bots.parsers.json.parser --in-format dho --out-format dho < reports.jsonl",
    ])]
public sealed class JsonParser(JsonParserOptions? options = null) : IParser
{
    static readonly JsonDocumentOptions Limits = new() { MaxDepth = 64 };
    readonly JsonParserOptions _options = options ?? new JsonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var lines = new LineReader(body, _options.MaxLineSize);
        if (_options.Splitlines)
        {
            while (lines.Read(out _) is { } line)
            {
                if (line.AsSpan().Trim().IsEmpty) continue;
                if (lines.TooLong) output.Reject($"line {lines.Number}", line, new InvalidDataException($"the line is longer than max_line_size ({_options.MaxLineSize} characters)"));
                else Emit(report, line, $"line {lines.Number}", output);
            }
            return;
        }
        var text = ReadAll(body);
        if (text is null)
        {
            output.Reject("report", "", new InvalidDataException($"the report is longer than max_line_size ({_options.MaxLineSize} characters)"));
            return;
        }
        if (!_options.MultipleEvents)
        {
            Emit(report, text, "report", output);
            return;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Limits);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the report is not JSON: {ex.Message}", ex);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException("multiple_events is set, and the report is not a JSON list");
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
                Emit(report, item.GetRawText(), $"item {++index}", output);
        }
    }

    string? ReadAll(TextReader body)
    {
        var sb = new StringBuilder();
        var buffer = new char[16 * 1024];
        int n;
        while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (sb.Length + n > _options.MaxLineSize) return null;
            sb.Append(buffer, 0, n);
        }
        return sb.ToString();
    }

    void Emit(Event report, string json, string position, IEmitter output)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Limits);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("expected an IntelMQ event: a JSON object");
            var ev = DhoEvent.New(report, _options);
            string? raw = null;
            foreach (var field in document.RootElement.EnumerateObject())
                switch (field.Name)
                {
                    case "__type":
                        break;
                    case "raw":
                        raw = field.Value.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetString(Convert.FromBase64String(field.Value.GetString()!)) : null;
                        break;
                    case "extra" when field.Value.ValueKind == JsonValueKind.Object:
                        foreach (var extra in field.Value.EnumerateObject()) DhoEvent.Add(ev, "extra." + extra.Name, extra.Value, overwrite: true);
                        break;
                    default:
                        DhoEvent.Add(ev, field.Name, field.Value, overwrite: true);
                        break;
                }
            output.Emit(DhoEvent.Complete(ev, _options, raw ?? json));
        }
        catch (Exception ex) when (ex is JsonException or InvalidFieldException or InvalidDataException or FormatException)
        {
            output.Reject(position, json, ex);
        }
    }
}
