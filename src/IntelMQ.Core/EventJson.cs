using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core;

/// <summary>Reads and writes events as IDF (nested ECS JSON, packets), NDJSON and IntelMQ's DHO lines.</summary>
public static class EventJson
{
    const string IdfPrefix = "extra.idf.", CustomPrefix = "custom.";
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    [ThreadStatic] static (string Key, int Start, int Length)[]? _open;
    [ThreadStatic] static string[]? _keys;
    [ThreadStatic] static object?[]? _values;
    [ThreadStatic] static long[]? _order;

    /// <summary>Writes an event as nested ECS JSON, its fields in ordinal order of their paths.</summary>
    public static void WriteIdf(Utf8JsonWriter writer, Event ev)
    {
        var count = ev.Count;
        if (_keys is null || _keys.Length < count)
        {
            _keys = new string[Math.Max(count, 64)];
            _values = new object?[_keys.Length];
            _order = new long[_keys.Length];
        }
        var keys = _keys;
        var values = _values!;
        var order = _order.AsSpan(0, count);
        try
        {
            SortFields(ev, keys, values, order);
            WriteNested(writer, keys, values, order);
        }
        finally
        {
            Array.Clear(keys, 0, count);
            Array.Clear(values, 0, count);
        }
    }

    // Sorting by the catalogue's field order (one integer per field) gives ordinal path order without comparing
    // strings; only fields that share an order (custom.*, paths below a json field) are compared by path.
    static void SortFields(Event ev, string[] keys, object?[] values, Span<long> order)
    {
        var i = 0;
        var unknown = false;
        foreach (var (key, slot) in ev.Slots)
        {
            keys[i] = key;
            values[i] = slot.Value;
            order[i] = ((long)slot.Order << 32) | (uint)i;
            unknown |= slot.Order < 0;
            i++;
        }
        if (unknown)
        {
            order.Sort((a, b) => string.CompareOrdinal(keys[(int)a], keys[(int)b]));
            return;
        }
        order.Sort();
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && order[end] >> 32 == order[start] >> 32) end++;
            if (end - start > 1) SortByPath(order[start..end], keys);
            start = end;
        }
    }

    // Insertion sort: the runs are short (the custom fields of one event).
    static void SortByPath(Span<long> run, string[] keys)
    {
        for (var i = 1; i < run.Length; i++)
        {
            var item = run[i];
            var key = keys[(int)item];
            var j = i - 1;
            for (; j >= 0 && string.CompareOrdinal(keys[(int)run[j]], key) > 0; j--) run[j + 1] = run[j];
            run[j + 1] = item;
        }
    }

    static void WriteNested(Utf8JsonWriter writer, string[] keys, object?[] values, ReadOnlySpan<long> order)
    {
        var open = _open ??= new (string, int, int)[8];
        var depth = 0;
        writer.WriteStartObject();
        foreach (var entry in order)
        {
            var key = keys[(int)entry];
            // Sorted keys keep the fields of one object adjacent: close only the objects this key is not inside.
            int common = 0, pos = 0;
            while (common < depth)
            {
                var dot = NextDot(key, pos);
                var o = open[common];
                if (dot < 0 || !key.AsSpan(pos, dot - pos).SequenceEqual(o.Key.AsSpan(o.Start, o.Length))) break;
                common++;
                pos = dot + 1;
            }
            for (; depth > common; depth--) writer.WriteEndObject();
            int next;
            while ((next = NextDot(key, pos)) > 0)
            {
                writer.WritePropertyName(key.AsSpan(pos, next - pos));
                writer.WriteStartObject();
                if (depth == open.Length) Array.Resize(ref _open, depth * 2);
                open = _open!;
                open[depth++] = (key, pos, next - pos);
                pos = next + 1;
            }
            writer.WritePropertyName(key.AsSpan(pos));
            WriteValue(writer, values[(int)entry]);
        }
        for (; depth > 0; depth--) writer.WriteEndObject();
        writer.WriteEndObject();
    }

    // Field names below custom keep their dots: custom is one flat map, like IntelMQ's extra.
    static int NextDot(string key, int pos) =>
        pos > 0 && key.StartsWith(CustomPrefix, StringComparison.Ordinal) ? -1 : key.IndexOf('.', pos);

    /// <summary>Writes an event as one IntelMQ DHO message (flat keys, <c>__type</c>, base64 <c>raw</c>).</summary>
    public static void WriteDho(Utf8JsonWriter writer, Event ev)
    {
        writer.WriteStartObject();
        writer.WriteString("__type", ev.Kind == MessageKind.Report ? "Report" : "Event");
        foreach (var (key, value) in ev.Fields)
        {
            if (key == Event.IdField) continue; // IntelMQ has no event id; a new one is assigned on the way back.
            if (key == Event.OriginalField && value is string original)
            {
                writer.WriteBase64String("raw", Encoding.UTF8.GetBytes(original));
                continue;
            }
            writer.WritePropertyName(DhoMapping.ToDho(key) ?? IdfPrefix + key);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case JsonNode n: n.WriteTo(writer); break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items) WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"An event holds a value of unexpected type {value.GetType().Name}.");
        }
    }

    /// <summary>Writes an IDF packet header and events.</summary>
    public static void WritePacket(Utf8JsonWriter writer, PacketMeta meta, IReadOnlyList<Event> events)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("meta");
        writer.WriteString("format-name", PacketMeta.FormatName);
        writer.WriteString("version", PacketMeta.Version);
        writer.WriteString("url", PacketMeta.Url);
        writer.WriteString("created-at", Timestamps.Format(meta.CreatedAt));
        writer.WriteString("producer", meta.Producer);
        writer.WriteString("ecs-version", FieldCatalogue.EcsVersion);
        if (events.Count > 0 && events[0].Kind == MessageKind.Report) writer.WriteString("type", "report");
        writer.WriteEndObject();
        writer.WriteStartArray("data");
        foreach (var ev in events) WriteIdf(writer, ev);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads one message: an IDF packet, a bare IDF event, an IntelMQ DHO message or an IEP04 envelope
    /// (detected unless <paramref name="format"/> says which). Every value is validated.
    /// </summary>
    /// <exception cref="JsonException">Not JSON, or not a message.</exception>
    /// <exception cref="InvalidFieldException">A field is unknown or its value is invalid.</exception>
    public static List<Event> Read(ReadOnlySpan<byte> utf8, MessageFormat format = MessageFormat.Auto, FieldCatalogue? catalogue = null)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new JsonException($"expected a JSON object per message, found {root.ValueKind.ToString().ToLowerInvariant()}");
        catalogue ??= FieldCatalogue.Default;
        if (format == MessageFormat.Auto) format = Detect(root);
        var events = new List<Event>(1);
        switch (format)
        {
            case MessageFormat.Dho:
                events.Add(ReadDho(root, catalogue));
                break;
            case MessageFormat.Idf when root.TryGetProperty("data", out var data):
                var kind = root.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                           && meta.TryGetProperty("type", out var t) && t.ValueEquals("report") ? MessageKind.Report : MessageKind.Event;
                if (data.ValueKind == JsonValueKind.Array)
                    foreach (var item in data.EnumerateArray()) events.Add(ReadIdfEvent(item, kind, catalogue));
                else events.Add(ReadIdfEvent(data, kind, catalogue));
                break;
            case MessageFormat.Idf when root.TryGetProperty("payload", out var payload):
                events.Add(ReadEnvelope(root, payload, catalogue));
                break;
            default:
                events.Add(ReadIdfEvent(root, MessageKind.Event, catalogue));
                break;
        }
        return events;
    }

    static MessageFormat Detect(JsonElement root)
    {
        if (root.TryGetProperty("data", out _) && root.TryGetProperty("meta", out _)) return MessageFormat.Idf;
        if (root.TryGetProperty("payload", out _) && root.TryGetProperty("format", out _)) return MessageFormat.Idf;
        if (root.TryGetProperty("__type", out _)) return MessageFormat.Dho;
        foreach (var p in root.EnumerateObject())
            if (p.Name.Contains('.') && DhoMapping.ToIdf(p.Name) is not null) return MessageFormat.Dho;
        return MessageFormat.Ndjson;
    }

    static Event ReadIdfEvent(JsonElement element, MessageKind kind, FieldCatalogue catalogue)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new JsonException("an IDF event must be a JSON object");
        var ev = new Event(kind, catalogue);
        AddNested(ev, element, null);
        if (ev.Id is null) ev.AssignNewId();
        return ev;
    }

    static void AddNested(Event ev, JsonElement obj, string? prefix)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var path = prefix is null ? p.Name : string.Concat(prefix, ".", p.Name);
            if (p.Value.ValueKind == JsonValueKind.Object && ev.Catalogue.IsContainer(path)) AddNested(ev, p.Value, path);
            else ev.Add(path, p.Value);
        }
    }

    static Event ReadDho(JsonElement root, FieldCatalogue catalogue)
    {
        var kind = root.TryGetProperty("__type", out var type) && type.ValueEquals("Report") ? MessageKind.Report : MessageKind.Event;
        var ev = new Event(kind, catalogue);
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "__type": continue;
                case "raw":
                    ev.Add(Event.OriginalField, DecodeRaw(p.Value));
                    continue;
                case "extra" when p.Value.ValueKind == JsonValueKind.Object:
                    foreach (var x in p.Value.EnumerateObject()) ev.Add("custom." + x.Name, x.Value);
                    continue;
            }
            var path = p.Name.StartsWith(IdfPrefix, StringComparison.Ordinal) ? p.Name[IdfPrefix.Length..] : DhoMapping.ToIdf(p.Name)
                       ?? throw new InvalidFieldException(p.Name, $"unknown IntelMQ field '{p.Name}': it is not in IntelMQ's harmonization; custom fields go under extra.*");
            ev.Add(path, p.Value);
        }
        if (ev.Id is null) ev.AssignNewId();
        return ev;
    }

    static string DecodeRaw(JsonElement raw)
    {
        if (raw.ValueKind != JsonValueKind.String) throw new InvalidFieldException("raw", "invalid value for field 'raw': expected base64 text");
        var text = raw.GetString()!;
        var bytes = ArrayPool<byte>.Shared.Rent(text.Length);
        try
        {
            if (!Convert.TryFromBase64String(text, bytes, out var length))
                throw new InvalidFieldException("raw", "invalid value for field 'raw': it is not valid base64");
            try { return StrictUtf8.GetString(bytes, 0, length); }
            catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes, 0, length); } // IntelMQ decodes undecodable bytes, too
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    // IEP04: {"format": "intelmq", "version": 1, "type": "event", "meta": {"uuid": {"current", "parent"}}, "payload": {...}}
    static Event ReadEnvelope(JsonElement root, JsonElement payload, FieldCatalogue catalogue)
    {
        var isDho = !root.TryGetProperty("format", out var f) || f.ValueEquals("intelmq");
        var ev = isDho ? ReadDho(payload, catalogue) : ReadIdfEvent(payload, MessageKind.Event, catalogue);
        if (root.TryGetProperty("type", out var t) && t.ValueEquals("report")) ev.Kind = MessageKind.Report;
        if (root.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("uuid", out var uuid) && uuid.ValueKind == JsonValueKind.Object)
        {
            if (uuid.TryGetProperty("current", out var current)) ev.Add(Event.IdField, EnvelopeId(current), overwrite: true);
            if (uuid.TryGetProperty("parent", out var parent))
                ev.Add(Event.LinksField, new JsonArray(new JsonObject { ["type"] = "parent", ["id"] = EnvelopeId(parent) }));
        }
        return ev;
    }

    // IEP04 ids may carry a publisher prefix ("cert-at:intelmq:<uuid>"); the UUID is the last part.
    static string EnvelopeId(JsonElement id)
    {
        var text = id.GetString() ?? "";
        return text[(text.LastIndexOf(':') + 1)..];
    }
}
