using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core;

/// <summary>Reads and writes events as IDF (nested ECS JSON, packets), NDJSON and IntelMQ's DHO lines.</summary>
public static class EventJson
{
    internal const string IdfPrefix = "extra.idf.";
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    [ThreadStatic] static WriteScratch? _scratch;

    /// <summary>Writes an event as nested ECS JSON, its fields in ordinal order of their paths.</summary>
    public static void WriteIdf(Utf8JsonWriter writer, Event ev)
    {
        var scratch = _scratch ??= new WriteScratch();
        var count = ev.Count;
        var order = count <= 64 ? stackalloc long[count] : new long[count];
        var fields = SortFields(ev.Entries, order, ev.Catalogue.OrderCount, scratch);
        // With the relaxed encoder (the runtime's) the event is formatted here and handed over in one piece;
        // the writer's per-call work was most of the cost of writing an event.
        if (writer.Options.Encoder == JavaScriptEncoder.UnsafeRelaxedJsonEscaping && !writer.Options.Indented)
        {
            var bytes = new BytesSink(scratch.Bytes ??= new JsonBytes());
            bytes.Clear();
            WriteNested(ref bytes, fields, order, scratch);
            writer.WriteRawValue(bytes.Written, skipInputValidation: true);
        }
        else
        {
            var generic = new WriterSink(writer);
            WriteNested(ref generic, fields, order, scratch);
        }
    }

    /// <summary>A thread's buffers for writing events, reused from one event to the next.</summary>
    sealed class WriteScratch
    {
        public JsonBytes? Bytes;
        public string[] Open = new string[8];
        // A bit per placement order, clear between events, and per order the last field seen with it.
        public ulong[] Present = [];
        public int[] Last = [];
    }

    // Sorting by the catalogue's field order gives ordinal path order without comparing strings: a bit per order
    // in a bitmap, read back in order, is a bucket sort (a comparison sort of the orders was a tenth of writing).
    // Only fields that share an order (custom.*, paths below a json field) are compared by path.
    static ReadOnlySpan<Event.Entry> SortFields(ReadOnlySpan<Event.Entry> fields, scoped Span<long> order, int orders, WriteScratch scratch)
    {
        if (scratch.Last.Length < orders)
        {
            scratch.Last = new int[orders];
            scratch.Present = new ulong[(orders + 63) >> 6];
        }
        var present = scratch.Present;
        var last = scratch.Last;
        // Fields of one order are chained, each to the one seen before it.
        var previous = fields.Length <= 64 ? stackalloc int[fields.Length] : new int[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var at = fields[i].Placement.Order;
            if ((uint)at >= (uint)orders)
            {
                Array.Clear(present);
                return SortFieldsByPath(fields, order);
            }
            ref var word = ref present[at >> 6];
            var bit = 1UL << at;
            previous[i] = (word & bit) != 0 ? last[at] : -1;
            word |= bit;
            last[at] = i;
        }
        var n = 0;
        for (var w = 0; w < present.Length; w++)
        {
            var word = present[w];
            if (word == 0) continue;
            present[w] = 0;
            for (; word != 0; word &= word - 1)
            {
                var at = (w << 6) | BitOperations.TrailingZeroCount(word);
                var start = n;
                for (var i = last[at]; i >= 0; i = previous[i]) order[n++] = ((long)at << 32) | (uint)i;
                if (n - start > 1) SortByPath(order[start..n], fields);
            }
        }
        return fields;
    }

    // Fields the event's catalogue does not know (copied from an event of another catalogue) are sorted by path.
    static ReadOnlySpan<Event.Entry> SortFieldsByPath(ReadOnlySpan<Event.Entry> fields, scoped Span<long> order)
    {
        var placed = fields.ToArray();
        for (var i = 0; i < placed.Length; i++) order[i] = i;
        order.Sort((a, b) => string.CompareOrdinal(placed[(int)a].Key, placed[(int)b].Key));
        return placed;
    }

    // Insertion sort: the runs are short (the custom fields of one event). Each path's prefix is read once.
    static void SortByPath(Span<long> run, ReadOnlySpan<Event.Entry> fields)
    {
        var prefixes = run.Length <= 64 ? stackalloc ulong[run.Length] : new ulong[run.Length];
        for (var i = 0; i < run.Length; i++) prefixes[i] = fields[(int)run[i]].Placement.SortPrefix;
        for (var i = 1; i < run.Length; i++)
        {
            var item = run[i];
            var prefix = prefixes[i];
            var j = i - 1;
            for (; j >= 0 && (prefixes[j] > prefix || (prefixes[j] == prefix && string.CompareOrdinal(fields[(int)run[j]].Key, fields[(int)item].Key) > 0)); j--)
            {
                run[j + 1] = run[j];
                prefixes[j + 1] = prefixes[j];
            }
            run[j + 1] = item;
            prefixes[j + 1] = prefix;
        }
    }

    static void WriteNested<TSink>(ref TSink sink, ReadOnlySpan<Event.Entry> fields, ReadOnlySpan<long> order, WriteScratch scratch) where TSink : struct, IJsonSink
    {
        var open = scratch.Open;
        var depth = 0;
        sink.StartObject();
        foreach (var entry in order)
        {
            ref readonly var field = ref fields[(int)entry];
            var placement = field.Placement;
            var names = placement.Names;
            var last = names.Length - 1;
            // Sorted keys keep the fields of one object adjacent: close only the objects this key is not inside.
            var common = 0;
            while (common < depth && common < last && ReferenceEquals(names[common], open[common])) common++;
            for (; depth > common; depth--) sink.EndObject();
            sink.Open(placement, depth);
            if (last > open.Length) Array.Resize(ref scratch.Open, Math.Max(last, open.Length * 2));
            open = scratch.Open;
            for (; depth < last; depth++) open[depth] = names[depth];
            if (field.Value is Event.JoinedText joined) sink.Joined(joined);
            else sink.Value(field.Value);
        }
        for (; depth > 0; depth--) sink.EndObject();
        sink.EndObject();
    }

    interface IJsonSink
    {
        void StartObject();
        void EndObject();
        /// <summary>Writes the names of a field's path from <paramref name="depth"/> on, opening an object after each but the last.</summary>
        void Open(FieldCatalogue.Placement placement, int depth);
        void Value(object? value);
        void Joined(Event.JoinedText text);
    }

    readonly struct WriterSink(Utf8JsonWriter writer) : IJsonSink
    {
        public void StartObject() => writer.WriteStartObject();
        public void EndObject() => writer.WriteEndObject();

        public void Open(FieldCatalogue.Placement placement, int depth)
        {
            var names = placement.Names;
            for (; depth < names.Length - 1; depth++)
            {
                writer.WritePropertyName(names[depth]);
                writer.WriteStartObject();
            }
            writer.WritePropertyName(names[^1]);
        }

        public void Value(object? value) => WriteValue(writer, value);
        public void Joined(Event.JoinedText text) => writer.WriteStringValue(text.ToString());
    }

    readonly struct BytesSink(JsonBytes bytes) : IJsonSink
    {
        public ReadOnlySpan<byte> Written => bytes.Written;
        public void Clear() => bytes.Clear();
        public void StartObject() => bytes.StartObject();
        public void EndObject() => bytes.EndObject();
        public void Open(FieldCatalogue.Placement placement, int depth) => bytes.Open(placement, depth);
        public void Value(object? value) => bytes.Value(value);
        public void Joined(Event.JoinedText text) => bytes.Joined(text);
    }

    /// <summary>
    /// Formats JSON as a <see cref="Utf8JsonWriter"/> with the relaxed encoder would, into a reused buffer. Strings of
    /// printable ASCII are escaped here; other strings and values go through a writer with the same options.
    /// </summary>
    sealed class JsonBytes
    {
        static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

        byte[] _buffer = new byte[16 * 1024];
        int _length;
        bool _comma;
        readonly ArrayBufferWriter<byte> _scratch = new(1024);
        readonly Utf8JsonWriter _scratchWriter;
        string? _head;
        byte[]? _escapedHead;

        public JsonBytes() => _scratchWriter = new Utf8JsonWriter(_scratch, Options);

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Clear()
        {
            if (_buffer.Length > 1 << 20) _buffer = new byte[16 * 1024]; // one huge event does not pin its buffer
            _length = 0;
            _comma = false;
        }

        public void StartObject()
        {
            Separate(1);
            _buffer[_length++] = (byte)'{';
            _comma = false;
        }

        public void EndObject()
        {
            Reserve(1);
            _buffer[_length++] = (byte)'}';
            _comma = true;
        }

        public void Open(FieldCatalogue.Placement placement, int depth)
        {
            if (placement.Opening is { } opening)
            {
                var from = opening.From(depth);
                Separate(from.Length);
                from.CopyTo(_buffer.AsSpan(_length));
                _length += from.Length;
                _comma = false;
                return;
            }
            var names = placement.Names; // a name that cannot be encoded once (invalid UTF-16) goes through the writer
            for (; depth < names.Length; depth++)
            {
                Scratch(names[depth]);
                Reserve(1);
                _buffer[_length++] = (byte)':';
                _comma = false;
                if (depth < names.Length - 1) StartObject();
            }
        }

        public void Value(object? value)
        {
            switch (value)
            {
                case string s:
                    Separate(2 * s.Length + 2);
                    var escaped = EscapeAscii(s, _buffer.AsSpan(_length + 1));
                    if (escaped < 0)
                    {
                        _comma = false;
                        Scratch(s);
                        break;
                    }
                    _buffer[_length] = (byte)'"';
                    _length += escaped + 1;
                    _buffer[_length++] = (byte)'"';
                    break;
                case long l:
                    Separate(20);
                    System.Buffers.Text.Utf8Formatter.TryFormat(l, _buffer.AsSpan(_length), out var digits);
                    _length += digits;
                    break;
                case double d:
                    Separate(PythonFloat.MaxLength);
                    _length += PythonFloat.Format(d, _buffer.AsSpan(_length));
                    break;
                case bool b:
                    Separate(5);
                    (b ? "true"u8 : "false"u8).CopyTo(_buffer.AsSpan(_length));
                    _length += b ? 4 : 5;
                    break;
                default:
                    Scratch(value);
                    break;
            }
            _comma = true;
        }

        // The head (a CSV report's header line) is the same string in every event of a report: escaped once.
        public void Joined(Event.JoinedText text)
        {
            if (!ReferenceEquals(text.Head, _head))
            {
                var buffer = new byte[2 * text.Head.Length];
                var length = EscapeAscii(text.Head, buffer);
                _head = text.Head;
                _escapedHead = length < 0 ? null : buffer[..length];
            }
            if (_escapedHead is null)
            {
                Value(text.ToString());
                return;
            }
            var tail = text.Tail.AsSpan();
            Reserve(_escapedHead.Length + 2 * tail.Length + 3);
            var start = _comma ? _length + 1 : _length;
            var at = start + 1 + _escapedHead.Length;
            var escaped = EscapeAscii(tail, _buffer.AsSpan(at));
            if (escaped < 0)
            {
                Value(text.ToString());
                return;
            }
            if (_comma) _buffer[_length] = (byte)',';
            _buffer[start] = (byte)'"';
            _escapedHead.CopyTo(_buffer.AsSpan(start + 1));
            _length = at + escaped;
            _buffer[_length++] = (byte)'"';
            _comma = true;
        }

        // Writes a comma when a value came before, and makes room for what follows.
        void Separate(int size)
        {
            Reserve(size + 1);
            if (_comma) _buffer[_length++] = (byte)',';
        }

        void Reserve(int size)
        {
            if (_length + size > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        void Scratch(object? value)
        {
            try
            {
                WriteValue(_scratchWriter, value);
                _scratchWriter.Flush();
                var json = _scratch.WrittenSpan;
                Separate(json.Length);
                json.CopyTo(_buffer.AsSpan(_length));
                _length += json.Length;
            }
            finally
            {
                _scratch.Clear();
                _scratchWriter.Reset();
            }
        }
    }

    // What the relaxed encoder writes for each ASCII character: 0 the character itself, else the letter after a
    // backslash; 255 for characters it writes as \uXXXX (left to the writer).
    static ReadOnlySpan<byte> EscapeTable =>
    [
        255, 255, 255, 255, 255, 255, 255, 255, 255, (byte)'t', (byte)'n', 255, 255, (byte)'r', 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        0, 0, (byte)'"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'\\', 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255,
    ];

    /// <summary>
    /// The JSON string content of printable ASCII, tabs and line ends, escaped as the relaxed encoder does; -1 for any
    /// other text. <paramref name="target"/> has room for twice the text.
    /// </summary>
    static int EscapeAscii(ReadOnlySpan<char> text, Span<byte> target)
    {
        var table = EscapeTable;
        var n = 0;
        var i = 0;
        // Eight characters at a time: those before the first one to escape are narrowed to bytes in one step (all
        // eight bytes are stored; the ones past it are overwritten next). Most values have nothing to escape.
        if (Vector128.IsHardwareAccelerated)
        {
            var space = Vector128.Create((ushort)' ');
            var printable = Vector128.Create((ushort)('~' - ' '));
            var quote = Vector128.Create((ushort)'"');
            var backslash = Vector128.Create((ushort)'\\');
            var chars = MemoryMarshal.Cast<char, ushort>(text);
            while (i + 8 <= chars.Length)
            {
                var block = Vector128.Create(chars.Slice(i, 8));
                var special = Vector128.GreaterThan(block - space, printable) | Vector128.Equals(block, quote) | Vector128.Equals(block, backslash);
                var narrowed = Vector128.Narrow(block, block).AsUInt64().ToScalar();
                MemoryMarshal.Write(target[n..], in narrowed);
                var mask = special.ExtractMostSignificantBits();
                if (mask == 0)
                {
                    n += 8;
                    i += 8;
                    continue;
                }
                var plain = BitOperations.TrailingZeroCount(mask);
                n += plain;
                i += plain;
                var escape = table[Math.Min((int)chars[i], 127)];
                if (escape == 255) return -1;
                target[n] = (byte)'\\';
                target[n + 1] = escape;
                n += 2;
                i++;
            }
        }
        foreach (var c in text[i..])
        {
            if (c >= 128) return -1;
            var escape = table[c];
            if (escape == 0)
            {
                target[n++] = (byte)c;
                continue;
            }
            if (escape == 255) return -1;
            target[n] = (byte)'\\';
            target[n + 1] = escape;
            n += 2;
        }
        return n;
    }

    /// <summary>Writes an event as one IntelMQ DHO message (flat keys, <c>__type</c>, base64 <c>raw</c>).</summary>
    /// <param name="withType">Write <c>__type</c> (IntelMQ's queues need it; its file output leaves it out by default).</param>
    /// <param name="withRaw">Write <c>raw</c> (IntelMQ's outputs leave it out unless keep_raw_field).</param>
    public static void WriteDho(Utf8JsonWriter writer, Event ev, bool withType = true, bool withRaw = true)
    {
        writer.WriteStartObject();
        if (withType) writer.WriteString("__type", ev.Kind == MessageKind.Report ? "Report" : "Event");
        foreach (ref readonly var entry in ev.Entries)
        {
            var value = entry.Value;
            switch (entry.Key)
            {
                // IntelMQ has no event id: a derived one is left out (a reader derives it again), so that our DHO is IntelMQ's
                // byte for byte even after an expert filled an identifying field; only an id given from outside is written.
                case Event.IdField when value is not string id || ev.IsDerivedId(id):
                    continue;
                case Event.OriginalField when value is string or Event.JoinedText:
                    if (withRaw) WriteRaw(writer, value);
                    continue;
                case Event.LinksField when value is List<object> links:
                    WriteLinksWithoutParents(writer, links);
                    continue;
            }
            writer.WritePropertyName(entry.Placement.DhoName);
            WriteValue(writer, value is Event.JoinedText joined ? joined.ToString() : value);
        }
        writer.WriteEndObject();
    }

    // IntelMQ's raw: the original's UTF-8 in base64, encoded through a pooled buffer (a CSV row's header and row unjoined).
    static void WriteRaw(Utf8JsonWriter writer, object original)
    {
        var (head, tail) = original is Event.JoinedText joined ? (joined.Head, joined.Tail) : ((string)original, "");
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(head.Length + tail.Length));
        var length = Encoding.UTF8.GetBytes(head, buffer);
        length += Encoding.UTF8.GetBytes(tail, buffer.AsSpan(length));
        writer.WriteBase64String("raw"u8, buffer.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(buffer);
    }

    // A parent link is the id of the report or event this one came from, which a DHO reader cannot check: left out,
    // as the id is, so that a parser's DHO output is IntelMQ's byte for byte.
    static void WriteLinksWithoutParents(Utf8JsonWriter writer, List<object> links)
    {
        var others = 0;
        foreach (var link in links)
            if (!IsParent(link)) others++;
        if (others == 0) return;
        writer.WritePropertyName(IdfPrefix + Event.LinksField);
        writer.WriteStartArray();
        foreach (var link in links)
            if (!IsParent(link)) WriteValue(writer, link);
        writer.WriteEndArray();
    }

    internal static bool IsParent(object link) => link is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "parent";

    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d:
                Span<byte> text = stackalloc byte[PythonFloat.MaxLength];
                writer.WriteRawValue(text[..PythonFloat.Format(d, text)], skipInputValidation: true);
                break;
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
        if (format is MessageFormat.Auto or MessageFormat.Dho && StartsWithType(utf8)) return [DhoReader.Read(utf8, catalogue ?? FieldCatalogue.Default)];
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
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
                if (root.TryGetProperty("meta", out var header) && header.ValueKind == JsonValueKind.Object && header.TryGetProperty("version", out var version))
                    CheckVersion(version, "packet");
                var kind = root.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                           && meta.TryGetProperty("type", out var t) && Is(t, "report") ? MessageKind.Report : MessageKind.Event;
                if (data.ValueKind == JsonValueKind.Array)
                    foreach (var item in data.EnumerateArray()) events.Add(ReadIdfEvent(item, kind, catalogue));
                else events.Add(ReadIdfEvent(data, kind, catalogue));
                break;
            case MessageFormat.Idf when root.TryGetProperty("payload", out var payload):
                if (root.TryGetProperty("version", out var envelopeVersion)) CheckVersion(envelopeVersion, "envelope");
                events.Add(ReadEnvelope(root, payload, catalogue));
                break;
            default:
                events.Add(ReadIdfEvent(root, MessageKind.Event, catalogue));
                break;
        }
        return events;
    }

    static readonly int OurMajorVersion = int.Parse(PacketMeta.Version.AsSpan(0, PacketMeta.Version.IndexOf('.')), CultureInfo.InvariantCulture);

    // A newer minor version only adds fields and link types, which the catalogue refuses one by one; a newer major
    // version may change what the fields mean, so the whole message is refused.
    static void CheckVersion(JsonElement version, string what)
    {
        var text = version.ValueKind switch
        {
            JsonValueKind.String => version.GetString()!,
            JsonValueKind.Number => version.GetRawText(),
            _ => throw new JsonException($"the {what}'s version must be a string such as \"{PacketMeta.Version}\", not {version.GetRawText()}"),
        };
        var dot = text.IndexOf('.');
        if (!int.TryParse(dot < 0 ? text : text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
            throw new JsonException($"the {what}'s version '{(text.Length > 20 ? text[..20] + "..." : text)}' is not a version such as \"{PacketMeta.Version}\"");
        if (major > OurMajorVersion)
            throw new JsonException($"the {what} is IDF version {text}, newer than this program reads (IDF {OurMajorVersion}.x, up to {PacketMeta.Version}); upgrade IntelMQ.NET to read it");
    }

    internal static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    // IntelMQ sorts a message's keys and our writer starts with it, so a DHO message nearly always begins with "__type":
    // such a message is read as it is tokenised, without a document (see DhoReader).
    static bool StartsWithType(ReadOnlySpan<byte> utf8)
    {
        utf8 = utf8.TrimStart(" \t\r\n"u8);
        if (utf8.IsEmpty || utf8[0] != '{') return false;
        return utf8[1..].TrimStart(" \t\r\n"u8).StartsWith("\"__type\""u8);
    }

    // ValueEquals throws for a value that is not a string; a message's "__type" or "type" may be anything.
    static bool Is(JsonElement value, string text) => value.ValueKind == JsonValueKind.String && value.ValueEquals(text);

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
        if (ev.Id is null) ev.AssignStableId();
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
        var kind = root.TryGetProperty("__type", out var type) && Is(type, "Report") ? MessageKind.Report : MessageKind.Event;
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
                       ?? throw new InvalidFieldException(p.Name, UnknownDhoField(p.Name));
            ev.Add(path, p.Value);
        }
        if (ev.Id is null) ev.AssignStableId();
        return ev;
    }

    static string DecodeRaw(JsonElement raw)
    {
        if (raw.ValueKind != JsonValueKind.String) throw new InvalidFieldException("raw", "invalid value for field 'raw': expected base64 text");
        return DecodeRaw(raw.GetString()!);
    }

    internal static string DecodeRaw(string text)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(text.Length);
        try
        {
            if (!Convert.TryFromBase64String(text, bytes, out var length))
                throw new InvalidFieldException("raw", "invalid value for field 'raw': it is not valid base64");
            return DecodeText(bytes.AsSpan(0, length));
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    internal static string DecodeText(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes); } // IntelMQ decodes undecodable bytes, too
    }

    internal static string UnknownDhoField(string name) =>
        $"unknown IntelMQ field '{name}': it is not in IntelMQ's harmonization; custom fields go under extra.*";

    // IEP04: {"format": "intelmq", "version": 1, "type": "event", "meta": {"uuid": {"current", "parent"}}, "payload": {...}}
    static Event ReadEnvelope(JsonElement root, JsonElement payload, FieldCatalogue catalogue)
    {
        var isDho = !root.TryGetProperty("format", out var f) || Is(f, "intelmq");
        var ev = isDho ? ReadDho(payload, catalogue) : ReadIdfEvent(payload, MessageKind.Event, catalogue);
        if (root.TryGetProperty("type", out var t) && Is(t, "report")) ev.Kind = MessageKind.Report;
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
