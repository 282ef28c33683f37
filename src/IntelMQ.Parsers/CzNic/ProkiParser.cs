using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.CzNic;

/// <summary>Parses CZ.NIC's PROKI answers: events already in IntelMQ's field names, under "data".</summary>
[Program("cznic-proki-parser", ProgramKind.Parser, "Parses CZ.NIC's PROKI API answers (events in IntelMQ's format for Czech constituencies).",
    Modules = ["intelmq.bots.parsers.cznic.parser_proki"],
    Description = """
        Reads a PROKI answer, {"data": [event, ...]}, whose events use IntelMQ's field names. Each event is taken over field
        by field (mapped to the IDF, extra.* to custom.*); its feed.name and time.observation are kept as
        custom.original_feed_name and custom.original_time_observation, so that the report's own stay. Old taxonomy
        spellings ("malicious code") are written as IntelMQ 3 spells them. The raw text is the event as a one-element JSON
        list. An event with an unknown field or a bad value goes to the dump with its position (data element N).
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["*", "custom.original_feed_name", "custom.original_time_observation", "event.original"],
    Examples = ["intelmq run cznic-proki-parser --raw < proki.json"])]
public sealed class ProkiParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonReport.ReadDocument(body);
        if (document.RootElement.Member("data") is not { ValueKind: JsonValueKind.Array } data)
            throw new InvalidDataException("the PROKI answer has no \"data\" list");
        var index = 0;
        foreach (var record in data.EnumerateArray())
        {
            index++;
            try
            {
                output.EmitParsed(Build(report, record), PythonJson.DumpsAsList(record));
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"data element {index}", record.GetRawText(), ex);
            }
        }
    }

    static Event Build(Event report, JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the element is a JSON {record.ValueKind}, expected an object");
        var ev = ReportFields.NewEvent(report);
        foreach (var property in record.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null) continue;
            switch (property.Name)
            {
                case "feed.name":
                    ev.Add("custom.original_feed_name", property.Value);
                    continue;
                case "time.observation":
                    ev.Add("custom.original_time_observation", property.Value);
                    continue;
                case "raw":
                    continue;
            }
            var path = DhoMapping.ToIdf(property.Name) ?? throw new InvalidDataException($"'{property.Name}' is not an IntelMQ field");
            object value = property.Value;
            if (property.Name == "classification.taxonomy" && property.Value.GetString() is { } taxonomy) value = taxonomy.Replace(' ', '-');
            ev.Add(path, value, overwrite: true);
        }
        return ev;
    }
}
