using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace IntelMQ.Core;

/// <summary>
/// One IDF event: ECS-shaped fields addressed by dotted path (<c>ev["source.as.number"]</c>). Every value is
/// validated and normalised for its field on the way in, so an event never holds an invalid value.
/// </summary>
public sealed class Event
{
    public const string IdField = "event.id", OriginalField = "event.original", LinksField = "links";

    // Room for a typical parsed event without the dictionary growing while it is filled.
    const int InitialCapacity = 48;

    readonly Dictionary<string, Slot> _fields;

    public Event(MessageKind kind = MessageKind.Event, FieldCatalogue? catalogue = null)
    {
        Kind = kind;
        Catalogue = catalogue ?? FieldCatalogue.Default;
        _fields = new Dictionary<string, Slot>(InitialCapacity, StringComparer.Ordinal);
    }

    Event(Event other)
    {
        Kind = other.Kind;
        Catalogue = other.Catalogue;
        // Sized for the fields still to come; the copy constructor would size it for the current ones and grow later.
        _fields = new Dictionary<string, Slot>(Math.Max(InitialCapacity, other._fields.Count + 16), StringComparer.Ordinal);
        foreach (var (key, slot) in other._fields) _fields.Add(key, slot);
    }

    /// <summary>A new event with a fresh <c>event.id</c>.</summary>
    public static Event Create(MessageKind kind = MessageKind.Event)
    {
        var ev = new Event(kind);
        ev.AssignNewId();
        return ev;
    }

    public MessageKind Kind { get; set; }
    public FieldCatalogue Catalogue { get; }
    public int Count => _fields.Count;

    public IEnumerable<KeyValuePair<string, object?>> Fields
    {
        get
        {
            foreach (var (key, slot) in _fields) yield return new(key, slot.Value is JoinedText ? Join(key) : slot.Value);
        }
    }

    /// <summary>A value and how its field is written (see <see cref="EventJson.WriteIdf"/>); no placement when the field is unknown.</summary>
    internal readonly record struct Slot(object? Value, FieldCatalogue.Placement? Placement);

    internal Dictionary<string, Slot> Slots => _fields;

    /// <summary>Text held as two parts until it is read (see <see cref="AddOriginal"/>).</summary>
    internal sealed class JoinedText(string head, string tail)
    {
        public string Head => head;
        public string Tail => tail;
        public override string ToString() => string.Concat(head, tail);
    }

    public string? Id => this[IdField] as string;

    /// <summary>Gets a value (null when absent); setting validates and overwrites, setting null removes.</summary>
    public object? this[string path]
    {
        get => _fields.TryGetValue(path, out var slot) ? slot.Value is JoinedText ? Join(path) : slot.Value : null;
        set
        {
            if (value is null) _fields.Remove(path);
            else Add(path, value, overwrite: true);
        }
    }

    public bool Contains(string path) => _fields.ContainsKey(path);

    public bool TryGetValue(string path, out object? value)
    {
        var found = _fields.TryGetValue(path, out var slot);
        value = slot.Value is JoinedText ? Join(path) : slot.Value;
        return found;
    }

    public bool Remove(string path) => _fields.Remove(path);

    /// <summary>
    /// Validates, normalises and stores a value. Null and empty text are ignored (feeds use them for "no value"),
    /// except in json fields such as <c>custom.*</c>, which keep them as given.
    /// </summary>
    /// <exception cref="InvalidFieldException">The field is unknown, already set (without <paramref name="overwrite"/>), or the value does not fit.</exception>
    public void Add(string path, object? value, bool overwrite = false)
    {
        if (!Store(path, value, overwrite))
            throw new InvalidFieldException(path, $"field '{path}' is already set to {Describe(this[path])}; refusing to overwrite it with {Describe(value is null ? null : FieldNormalizer.Unwrap(value))}");
    }

    /// <summary>
    /// Adds <c>event.original</c> as <paramref name="head"/> followed by <paramref name="tail"/>, as <see cref="Add"/> would
    /// add the two joined. They are joined only when the value is read: the events of a CSV report all start their raw
    /// text with the report's header line, and the IDF writer writes that from one copy.
    /// </summary>
    /// <exception cref="InvalidFieldException"><c>event.original</c> is already set.</exception>
    public void AddOriginal(string head, string tail)
    {
        var (field, placement) = Catalogue.Resolve(OriginalField);
        if (field is not { Type: FieldType.Keyword or FieldType.Text, IsArray: false } || head.Length == 0 || tail.Length == 0)
        {
            Add(OriginalField, string.Concat(head, tail));
            return;
        }
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_fields, OriginalField, out var exists);
        if (exists) Add(OriginalField, string.Concat(head, tail)); // throws "already set"
        slot = new Slot(new JoinedText(head, tail), placement);
    }

    /// <summary>Like <see cref="Add"/>, but reports an invalid value, or a field already set, by returning false.</summary>
    public bool TryAdd(string path, object? value, bool overwrite = false)
    {
        try
        {
            return Store(path, value, overwrite);
        }
        catch (InvalidFieldException)
        {
            return false;
        }
    }

    // Add without the "already set" error: false when the field is set and overwrite is off. One dictionary lookup.
    bool Store(string path, object? value, bool overwrite)
    {
        var (field, placement) = Catalogue.Resolve(path);
        if (field is null)
            throw new InvalidFieldException(path, $"unknown field '{path}': it is neither an ECS field nor an IDF extension; put your own fields under custom.*");
        if (value is not (null or string or long)) value = FieldNormalizer.Unwrap(value);
        if (field.Type != FieldType.Json && (value is null || value is string { Length: 0 })) return true;
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_fields, path, out var exists);
        if (exists && !overwrite) return false;
        try
        {
            slot = new Slot(value is null ? null : FieldNormalizer.Normalize(field, value), placement);
        }
        catch
        {
            if (!exists) _fields.Remove(path);
            throw;
        }
        return true;
    }

    /// <summary>Copies a field of another event as it is (it was validated there); false when the source lacks it.</summary>
    public bool CopyFrom(Event source, string path)
    {
        if (!source._fields.TryGetValue(path, out var slot)) return false;
        _fields[path] = source.Catalogue == Catalogue ? slot : new Slot(slot.Value, Catalogue.Resolve(path).Placement);
        return true;
    }

    public void AssignNewId() => _fields[IdField] = new Slot(NewVersion7Id(), Catalogue.Resolve(IdField).Placement);

    // Joins a JoinedText in place, so it is joined at most once.
    string Join(string path)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_fields, path);
        var text = slot.Value!.ToString()!;
        slot = slot with { Value = text };
        return text;
    }

    /// <summary>A copy with the same fields and id; call <see cref="AssignNewId"/> for a new event.</summary>
    public Event Clone() => new(this);

    static string Describe(object? value) => value is string s ? $"'{s}'" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    [ThreadStatic] static byte[]? _random;
    [ThreadStatic] static int _randomUsed;

    // A UUIDv7 as Guid.CreateVersion7 makes it, but with the random bits taken from a per-thread block that is
    // refilled from the CSPRNG every 256 ids: one system call per id was a tenth of the parser's time.
    static string NewVersion7Id()
    {
        var block = _random ??= new byte[4096];
        if (_randomUsed == 0 || _randomUsed == block.Length)
        {
            RandomNumberGenerator.Fill(block);
            _randomUsed = 0;
        }
        Span<byte> bytes = stackalloc byte[16];
        block.AsSpan(_randomUsed, 16).CopyTo(bytes);
        _randomUsed += 16;
        var unixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(unixMs >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], (uint)unixMs);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
