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
        A report is one MISP event (its JSON, with or without the {"Event": ...} wrapper), streamed: one attribute or
        object in memory at a time (up to 16 MiB; a larger one goes to the dump with its position, and so does the rest
        of a report that ends or stops being JSON midway), so an event of any size parses in bounded memory. Each attribute of
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
public sealed class MispParser(CommonParserOptions? options = null) : IParser, IStreamParser
{
    /// <summary>The largest attribute or object read whole, in bytes; a larger one goes to the dump.</summary>
    public const int MaxElementSize = 16 << 20;

    readonly CommonParserOptions _options = options ?? new CommonParserOptions();
    readonly MispMapping _mapping = MispMapping.Default;

    void IParser.Parse(Event report, TextReader body, IEmitter output)
    {
        using var replayable = ReplayableBody.Of(body);
        Parse(report, replayable, output);
    }

    void IStreamParser.Parse(Event report, Stream body, IEmitter output)
    {
        using var replayable = ReplayableBody.Of(body);
        Parse(report, replayable, output);
    }

    // The event is read again for each list, one attribute or object in memory at a time: first its id, uuid, tags and
    // malware name (MISP writes the tags after the attributes), then its attributes, then those of its objects.
    void Parse(Event report, ReplayableBody body, IEmitter output)
    {
        var summary = new Summary(this);
        Walk(body, null, summary.Learn);
        if (!summary.HasIndicators) throw new InvalidDataException("the report is not a MISP event: it has no Attribute or Object list");
        var url = DhoEvent.Has(report, "feed.url") ? report[DhoEvent.Path("feed.url")] as string : null;
        var page = url is null || summary.Id is null ? null : (url.EndsWith('/') ? url : url + "/") + "events/view/" + summary.Id;
        Walk(body, output, (member, element, index) =>
        {
            if (member == "Attribute" && index > 0) Emit(report, element, $"Attribute {index}", summary, page, output);
        });
        if (!summary.HasObjects) return;
        Walk(body, null, (member, element, index) =>
        {
            if (member != "Object" || index == 0 || element.Member("Attribute") is not { ValueKind: JsonValueKind.Array } inner) return;
            var k = 0;
            foreach (var attribute in inner.EnumerateArray()) Emit(report, attribute, $"Object {index} Attribute {++k}", summary, page, output);
        });
    }

    void Emit(Event report, JsonElement attribute, string position, Summary summary, string? page, IEmitter output)
    {
        if (Deleted(attribute) || attribute.Text("category") is not { } category || !_mapping.Categories.Contains(category)
            || attribute.Text("type") is not { } type || !_mapping.Types.TryGetValue(type, out var fields))
            return;
        try
        {
            var ev = DhoEvent.New(report, _options);
            var value = attribute.Text("value") ?? throw new InvalidDataException("the attribute has no value");
            var parts = fields.Length == 1 ? [value] : value.Split('|', fields.Length);
            if (parts.Length != fields.Length) throw new InvalidDataException($"a {type} value has {fields.Length} parts separated by |, '{value}' has {parts.Length}");
            for (var i = 0; i < fields.Length; i++) DhoEvent.Add(ev, fields[i], parts[i]);
            DhoEvent.Add(ev, "classification.type", (attribute.Member("Tag") is { } tags ? Classification(tags) : null) ?? summary.Type ?? "undetermined");
            DhoEvent.Add(ev, "malware.name", summary.Malware);
            DhoEvent.Add(ev, "event_description.text", category);
            DhoEvent.Add(ev, "event_description.url", page);
            DhoEvent.Add(ev, "misp.event_uuid", summary.Uuid);
            DhoEvent.Add(ev, "misp.attribute_uuid", attribute.Text("uuid"));
            if (attribute.Text("timestamp") is { } time) DhoEvent.Add(ev, "time.source", DhoTime.Parse(time, "timestamp"));
            output.Emit(DhoEvent.Complete(ev, _options, PythonJson.Dumps(attribute)));
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject(position, attribute.GetRawText(), ex);
        }
    }

    static bool Deleted(JsonElement attribute) => attribute.Member("deleted") is { ValueKind: JsonValueKind.True };

    /// <summary>
    /// Visits the members of the MISP event (under "Event", or the report itself): each element of its Attribute and Object
    /// lists on its own (member, element, index from 1), any other member whole (index 0). With <paramref name="rejects"/>,
    /// an element larger than the bound goes to the dump, and so does the rest of a report that ends or stops being JSON.
    /// </summary>
    static void Walk(ReplayableBody body, IEmitter? rejects, Action<string, JsonElement, int> visit)
    {
        var reader = new JsonStreamReader(body.Rewind(), MaxElementSize);
        var seen = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new InvalidDataException("the report is not a MISP event: it is not a JSON object");
            Members(reader, rejects, visit, ref seen, wrapper: true);
        }
        catch (JsonStreamException ex) when (seen)
        {
            rejects?.Reject($"byte {ex.Offset}", body.Slice(ex.Offset, MaxElementSize), ex);
        }
        catch (JsonStreamException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
    }

    // The members of the object whose start was just read; the wrapper's Event member is an event whose members are read in turn.
    static void Members(JsonStreamReader reader, IEmitter? rejects, Action<string, JsonElement, int> visit, ref bool seen, bool wrapper)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.Text!;
            if (name is "Attribute" or "Object" || (wrapper && name == "Event"))
            {
                if (!reader.Read()) throw new JsonStreamException("the report ends inside the JSON document", 0);
                if (name == "Event" && reader.TokenType == JsonTokenType.StartObject)
                {
                    Members(reader, rejects, visit, ref seen, wrapper: false);
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    if (reader.TokenType is JsonTokenType.StartObject) reader.SkipContainer();
                    continue;
                }
                for (var index = 1; ; index++)
                {
                    var result = reader.ReadValue(out var element, out var offset);
                    if (result == JsonStreamReader.Result.EndOfContainer) break;
                    seen = true;
                    if (result == JsonStreamReader.Result.TooLarge)
                    {
                        rejects?.Reject($"{name} {index} (byte {offset})", reader.TooLargePrefix, new InvalidDataException(
                            $"the {name.ToLowerInvariant()} is {reader.TooLargeLength} bytes, more than {MaxElementSize}; its first {reader.TooLargePrefix.Length} bytes are dumped"));
                        continue;
                    }
                    using (element) visit(name, element!.RootElement, index);
                }
                visit(name, default, 0);
                continue;
            }
            var kind = reader.ReadValue(out var value, out _);
            seen = true;
            if (kind == JsonStreamReader.Result.Value)
                using (value) visit(name, value!.RootElement, 0);
        }
    }

    /// <summary>What the attributes' events take from the whole event: its id, uuid, classification from its tags, and the malware name.</summary>
    sealed class Summary(MispParser parser)
    {
        string? _attributeMalware, _objectMalware;

        public string? Id { get; private set; }
        public string? Uuid { get; private set; }
        public string? Type { get; private set; }
        public string? Malware => _attributeMalware ?? _objectMalware;
        public bool HasIndicators { get; private set; }
        public bool HasObjects { get; private set; }

        public void Learn(string member, JsonElement value, int index)
        {
            switch (member)
            {
                case "Attribute":
                    HasIndicators = true;
                    if (index > 0) _attributeMalware ??= parser.MalwareName(value);
                    break;
                case "Object":
                    HasIndicators = true;
                    if (index == 0 || value.Member("Attribute") is not { ValueKind: JsonValueKind.Array } inner) break;
                    HasObjects = true;
                    foreach (var attribute in inner.EnumerateArray()) _objectMalware ??= parser.MalwareName(attribute);
                    break;
                case "id":
                    Id = value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? value.ToString() : null;
                    break;
                case "uuid":
                    Uuid = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                    break;
                case "Tag":
                    Type = parser.Classification(value);
                    break;
            }
        }
    }

    string? MalwareName(JsonElement attribute) =>
        attribute.Text("category") == _mapping.MalwareNameCategory && attribute.Text("type") == "text" && !Deleted(attribute)
            ? attribute.Text("value")?.ToLowerInvariant() : null;

    // The classification a Tag list (of an attribute, or of the event) names.
    string? Classification(JsonElement tags)
    {
        if (tags.ValueKind != JsonValueKind.Array) return null;
        foreach (var tag in tags.EnumerateArray())
            if (tag.Text("name") is { } name && _mapping.TypeOf(name) is { } type) return type;
        return null;
    }
}
