using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Misp;

/// <summary>MISP events (as the MISP API returns them) into one event per attribute.</summary>
[Program("misp-parser", ProgramKind.Parser, "Parses MISP events (JSON) into one event per indicator attribute.",
    Modules = ["intelmq.bots.parsers.misp.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        A report is one MISP event (its JSON, with or without the {"Event": ...} wrapper; at most 64 MiB). Each attribute of
        the categories Payload delivery, Artifacts dropped, Payload installation and Network activity, on the event or in
        its objects, that is not deleted and whose type the parser knows (url, domain, hostname, ip-src, ip-dst, hashes,
        email addresses, composites such as domain|ip and ip-dst|port; the table is src/IntelMQ.Parsers/Data/misp-mapping.json)
        is an event: the value in its field, time.source from the attribute's timestamp, event_description.text its
        category, event_description.url the event's page on the MISP server (feed.url + events/view/ID), misp.event_uuid and
        misp.attribute_uuid. malware.name is the event's Payload type text attribute; classification.type comes from a MISP
        taxonomy tag (eCSIRT, or RSIT by its value) on the attribute, else on the event, else undetermined. event.original is
        the attribute as IntelMQ writes it (Python's json.dumps). An attribute whose value its field refuses goes to the dump
        with its position; attributes of other categories or types are not indicators and give no event.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "destination.*", "threat.software.name", "file.hash.*", "classification.type", "message", "event.reference", "misp.*", "@timestamp", "custom.*",
        "event.original", "event.id"],
    Examples =
    [
        "intelmq run misp-parser --in-format dho --out-format dho < misp-reports.jsonl",
        "# input:",
        "#   {\"Event\": {\"id\": \"2\", \"uuid\": \"5758ebf5-c898-48e6-9fe9-5665c0a83866\", \"Tag\": [{\"name\": \"ecsirt:malicious-code=\\\"ransomware\\\"\"}], \"Attribute\": [{\"category\": \"Payload delivery\", \"type\": \"url\", \"value\": \"http://a.example/x\", \"uuid\": \"575c8598-f1f0-4c16-a94a-0612c0a83866\", \"timestamp\": \"1465681304\"}]}}",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"source.url\": \"http://a.example/x\", \"classification.type\": \"infected-system\", \"event_description.text\": \"Payload delivery\", \"misp.event_uuid\": \"5758ebf5-c898-48e6-9fe9-5665c0a83866\", \"misp.attribute_uuid\": \"575c8598-f1f0-4c16-a94a-0612c0a83866\", \"time.source\": \"2016-06-11T21:41:44+00:00\"}",
    ])]
public sealed class MispParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();
    readonly MispMapping _mapping = MispMapping.Default;

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonReport.ReadDocument(body);
        var misp = document.RootElement.Member("Event") ?? document.RootElement;
        if (misp.ValueKind != JsonValueKind.Object || misp.Member("Attribute") is null && misp.Member("Object") is null)
            throw new InvalidDataException("the report is not a MISP event: it has no Attribute or Object list");
        var eventType = Classification(misp);
        string? malware = null;
        foreach (var (attribute, _) in Attributes(misp))
            if (attribute.Text("category") == _mapping.MalwareNameCategory && attribute.Text("type") == "text" && !Deleted(attribute))
            {
                malware = attribute.Text("value")?.ToLowerInvariant();
                break;
            }
        var url = DhoEvent.Has(report, "feed.url") ? report[DhoEvent.Path("feed.url")] as string : null;
        var page = url is null || misp.Text("id") is not { } id ? null : (url.EndsWith('/') ? url : url + "/") + "events/view/" + id;
        foreach (var (attribute, position) in Attributes(misp))
        {
            if (Deleted(attribute) || attribute.Text("category") is not { } category || !_mapping.Categories.Contains(category)
                || attribute.Text("type") is not { } type || !_mapping.Types.TryGetValue(type, out var fields))
                continue;
            try
            {
                var ev = DhoEvent.New(report, _options);
                var value = attribute.Text("value") ?? throw new InvalidDataException("the attribute has no value");
                var parts = fields.Length == 1 ? [value] : value.Split('|', fields.Length);
                if (parts.Length != fields.Length) throw new InvalidDataException($"a {type} value has {fields.Length} parts separated by |, '{value}' has {parts.Length}");
                for (var i = 0; i < fields.Length; i++) DhoEvent.Add(ev, fields[i], parts[i]);
                DhoEvent.Add(ev, "classification.type", Classification(attribute) ?? eventType ?? "undetermined");
                DhoEvent.Add(ev, "malware.name", malware);
                DhoEvent.Add(ev, "event_description.text", category);
                DhoEvent.Add(ev, "event_description.url", page);
                DhoEvent.Add(ev, "misp.event_uuid", misp.Text("uuid"));
                DhoEvent.Add(ev, "misp.attribute_uuid", attribute.Text("uuid"));
                if (attribute.Text("timestamp") is { } time) DhoEvent.Add(ev, "time.source", DhoTime.Parse(time, "timestamp"));
                output.Emit(DhoEvent.Complete(ev, _options, PythonJson.Dumps(attribute)));
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject(position, attribute.GetRawText(), ex);
            }
        }
    }

    static bool Deleted(JsonElement attribute) => attribute.Member("deleted") is { ValueKind: JsonValueKind.True };

    /// <summary>The event's attributes, then those of its objects, with a position a person can find.</summary>
    static IEnumerable<(JsonElement Attribute, string Position)> Attributes(JsonElement misp)
    {
        if (misp.Member("Attribute") is { ValueKind: JsonValueKind.Array } attributes)
        {
            var index = 0;
            foreach (var attribute in attributes.EnumerateArray()) yield return (attribute, $"Attribute {++index}");
        }
        if (misp.Member("Object") is not { ValueKind: JsonValueKind.Array } objects) yield break;
        var o = 0;
        foreach (var misObject in objects.EnumerateArray())
        {
            o++;
            if (misObject.Member("Attribute") is not { ValueKind: JsonValueKind.Array } inner) continue;
            var index = 0;
            foreach (var attribute in inner.EnumerateArray()) yield return (attribute, $"Object {o} Attribute {++index}");
        }
    }

    string? Classification(JsonElement tagged)
    {
        if (tagged.Member("Tag") is not { ValueKind: JsonValueKind.Array } tags) return null;
        foreach (var tag in tags.EnumerateArray())
            if (tag.Text("name") is { } name && _mapping.TypeOf(name) is { } type) return type;
        return null;
    }
}
