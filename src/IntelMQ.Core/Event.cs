using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IntelMQ.Core;

/// <summary>
/// One IDF event: ECS-shaped fields addressed by dotted path (<c>ev["source.as.number"]</c>). Every value is
/// validated and normalised for its field on the way in, so an event never holds an invalid value.
/// </summary>
public sealed class Event
{
    public const string IdField = "event.id", OriginalField = "event.original", LinksField = "links";

    /// <summary>The namespace of stable event ids, UUIDv5 (docs/idf.md, "Event identity").</summary>
    public static readonly Guid IdNamespace = new("42f2148a-f5c7-4ef9-b038-783900bbef15");

    // Room for a typical event, enriched by experts, without the array growing: an event past 16 fields (a parser's 9-15
    // and the experts' few each) grew to 32, a 536-byte copy that lived as long as the event and cost a microsecond.
    const int DefaultCapacity = 24;
    // Past this many fields the filter has most bits set and scans get long: a dictionary index takes over.
    const int ScanLimit = 64;

    // The fields in the order they were added. An event holds tens of fields, so one is found by scanning; when a field
    // is added, the filter (a bit per placement) usually shows it is not there without a scan.
    Entry[] _entries;
    int _count;
    ulong _filterLow, _filterHigh;
    Dictionary<string, int>? _index;
    // The stable id derived from the fields as they are, until one it is derived from changes.
    string? _stableId;
    string? _derivedId; // the id AssignStableId set: still the derived one after an expert changed an identifying field

    public Event(MessageKind kind = MessageKind.Event, FieldCatalogue? catalogue = null)
    {
        Kind = kind;
        Catalogue = catalogue ?? FieldCatalogue.Default;
        _entries = new Entry[DefaultCapacity];
    }

    Event(Event other, int capacity)
    {
        Kind = other.Kind;
        Catalogue = other.Catalogue;
        _entries = new Entry[Math.Max(capacity, other._count)];
        Array.Copy(other._entries, _entries, other._count);
        _count = other._count;
        _filterLow = other._filterLow;
        _filterHigh = other._filterHigh;
        if (other._index is not null) _index = new Dictionary<string, int>(other._index, StringComparer.Ordinal);
        _stableId = other._stableId;
        _derivedId = other._derivedId;
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
    public int Count => _count;

    /// <summary>The fields in the order they were added.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Fields
    {
        get
        {
            for (var i = 0; i < _count; i++) yield return new(_entries[i].Key, ValueAt(i));
        }
    }

    /// <summary>A field: its value, and its path and how it is written (see <see cref="EventJson.WriteIdf"/>).</summary>
    internal readonly record struct Entry(object? Value, FieldCatalogue.Placement Placement)
    {
        // A field the catalogue does not know (copied from another catalogue's event) gets a placement of its own, order -1.
        public Entry(string path, object? value, FieldCatalogue.Placement? placement) : this(value, placement ?? new FieldCatalogue.Placement(path, -1)) { }

        public string Key => Placement.Path;
    }

    internal ReadOnlySpan<Entry> Entries => _entries.AsSpan(0, _count);

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
        get => IndexOf(path) is var i and >= 0 ? ValueAt(i) : null;
        set
        {
            if (value is null) Remove(path);
            else Add(path, value, overwrite: true);
        }
    }

    public bool Contains(string path) => IndexOf(path) >= 0;

    public bool TryGetValue(string path, out object? value)
    {
        var i = IndexOf(path);
        value = i >= 0 ? ValueAt(i) : null;
        return i >= 0;
    }

    /// <summary>Removes a field; the fields after it keep their order.</summary>
    public bool Remove(string path)
    {
        var i = IndexOf(path);
        if (i < 0) return false;
        _count--;
        Array.Copy(_entries, i + 1, _entries, i, _count - i);
        _entries[_count] = default;
        Reindex();
        Changed(path);
        return true;
    }

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
        if (field is not { Type: FieldType.Keyword or FieldType.Text, IsArray: false } || head.Length == 0 || tail.Length == 0
            || IndexOf(OriginalField, placement) >= 0)
        {
            Add(OriginalField, string.Concat(head, tail)); // throws "already set" when it is
            return;
        }
        Append(new Entry(OriginalField, new JoinedText(head, tail), placement));
        _stableId = null;
    }

    /// <summary>Like <see cref="Add(string, object?, bool)"/> for a field looked up once; the same as adding its path.</summary>
    /// <exception cref="InvalidFieldException">The field is already set (without <paramref name="overwrite"/>), or the value does not fit.</exception>
    public void Add(FieldHandle field, object? value, bool overwrite = false)
    {
        if (!Store(field, value, overwrite))
            throw new InvalidFieldException(field.Path, $"field '{field.Path}' is already set to {Describe(this[field.Path])}; refusing to overwrite it with {Describe(value is null ? null : FieldNormalizer.Unwrap(value))}");
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

    /// <summary>Like <see cref="TryAdd(string, object?, bool)"/> for a field looked up once; the same as adding its path.</summary>
    public bool TryAdd(FieldHandle field, object? value, bool overwrite = false)
    {
        try
        {
            return Store(field, value, overwrite);
        }
        catch (InvalidFieldException)
        {
            return false;
        }
    }

    public bool Contains(FieldHandle field) =>
        ReferenceEquals(field.Catalogue, Catalogue) ? IndexOf(field.Path, field.Placement) >= 0 : Contains(field.Path);

    bool Store(FieldHandle handle, object? value, bool overwrite) =>
        ReferenceEquals(handle.Catalogue, Catalogue) ? Store(handle.Path, handle.Definition, handle.Placement, value, overwrite) : Store(handle.Path, value, overwrite);

    bool Store(string path, object? value, bool overwrite)
    {
        var (field, placement) = Catalogue.Resolve(path);
        if (field is null)
            throw new InvalidFieldException(path, $"unknown field '{path}': it is neither an ECS field nor an IDF extension; put your own fields under custom.*");
        return Store(path, field, placement, value, overwrite);
    }

    // Add without the "already set" error: false when the field is set and overwrite is off.
    bool Store(string path, FieldDefinition field, FieldCatalogue.Placement? placement, object? value, bool overwrite)
    {
        if (value is not (null or string or long)) value = FieldNormalizer.Unwrap(value);
        if (field.Type != FieldType.Json && (value is null || value is string { Length: 0 })) return true;
        var i = IndexOf(path, placement);
        if (i >= 0 && !overwrite) return false;
        var entry = new Entry(path, value is null ? null : FieldNormalizer.Normalize(field, value), placement);
        if (i >= 0) _entries[i] = entry;
        else Append(entry);
        Changed(entry.Placement);
        return true;
    }

    /// <summary>Copies a field of another event as it is (it was validated there); false when the source lacks it.</summary>
    public bool CopyFrom(Event source, string path)
    {
        var from = source.IndexOf(path);
        if (from < 0) return false;
        var entry = source._entries[from];
        Set(source.Catalogue == Catalogue ? entry : new Entry(entry.Key, entry.Value, Catalogue.Resolve(entry.Key).Placement));
        return true;
    }

    /// <summary>Sets a random <c>event.id</c> (a UUIDv7), for an event that has no identity of its own to derive one from.</summary>
    public void AssignNewId() => Set(new Entry(IdField, NewVersion7Id(), Catalogue.Resolve(IdField).Placement));

    /// <summary>
    /// Sets <c>event.id</c> to <see cref="StableId"/>, replacing any id: a parser calls it once an event is complete
    /// (with <c>event.original</c>); readers call it for an event that comes without an id. An id once set is kept.
    /// </summary>
    public void AssignStableId()
    {
        _derivedId = StableId();
        Set(new Entry(IdField, _derivedId, Catalogue.Resolve(IdField).Placement));
    }

    /// <summary>Whether <paramref name="id"/> is derived from this event (now, or when it was assigned), not given from outside.</summary>
    public bool IsDerivedId(string id) => id == _derivedId || id == StableId();

    /// <summary>
    /// The id derived from this event's content (docs/idf.md, "Event identity"): a UUIDv5 over <c>feed.provider</c>,
    /// <c>feed.name</c> and <c>event.original</c>, or without an original over a fixed list of identifying fields.
    /// </summary>
    public string StableId() => _stableId ??= StableIds.Compute(this);

    void Set(Entry entry)
    {
        var i = IndexOf(entry.Key, entry.Placement.Order < 0 ? null : entry.Placement);
        if (i >= 0) _entries[i] = entry;
        else Append(entry);
        Changed(entry.Placement);
    }

    void Changed(FieldCatalogue.Placement placement)
    {
        if (placement.IsIdentityInput) _stableId = null;
    }

    void Changed(string path)
    {
        if (StableIds.IsInput(path)) _stableId = null;
    }

    object? ValueAt(int i)
    {
        ref var entry = ref _entries[i];
        // Joined in place, so it is joined at most once.
        if (entry.Value is JoinedText joined) entry = new Entry(joined.ToString(), entry.Placement);
        return entry.Value;
    }

    int IndexOf(string path)
    {
        if (_index is not null) return _index.TryGetValue(path, out var i) ? i : -1;
        for (var i = 0; i < _count; i++)
            if (string.Equals(_entries[i].Key, path)) return i;
        return -1;
    }

    // A path resolves to one placement per catalogue, so while adding, placements are compared rather than paths.
    int IndexOf(string path, FieldCatalogue.Placement? placement)
    {
        if (_index is not null || placement is null) return IndexOf(path);
        var (word, bit) = placement.FilterBit;
        if (((word == 0 ? _filterLow : _filterHigh) & bit) == 0) return -1;
        for (var i = 0; i < _count; i++)
            if (ReferenceEquals(_entries[i].Placement, placement)) return i;
        return -1;
    }

    void Append(Entry entry)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, Math.Max(_count * 2, DefaultCapacity));
        _entries[_count] = entry;
        Note(entry, _count++);
        if (_count == ScanLimit) Reindex();
    }

    // Records a new entry in the filter, or in the index once there is one.
    void Note(Entry entry, int i)
    {
        if (_index is not null) _index[entry.Key] = i;
        else if (entry.Placement is { Order: >= 0, FilterBit: var (word, bit) })
        {
            if (word == 0) _filterLow |= bit;
            else _filterHigh |= bit;
        }
    }

    void Reindex()
    {
        _filterLow = _filterHigh = 0;
        _index = _count >= ScanLimit ? new Dictionary<string, int>(_count, StringComparer.Ordinal) : null;
        for (var i = 0; i < _count; i++) Note(_entries[i], i);
    }

    /// <summary>A copy with the same fields and id; call <see cref="AssignNewId"/> for a new event.</summary>
    public Event Clone() => new(this, _count + DefaultCapacity);

    /// <summary>Like <see cref="Clone()"/>, with room for <paramref name="capacity"/> fields before the event has to grow.</summary>
    public Event Clone(int capacity) => new(this, capacity);

    static string Describe(object? value) => value is string s ? $"'{(s.Length > 80 ? s[..80] + "..." : s)}'" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";

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
