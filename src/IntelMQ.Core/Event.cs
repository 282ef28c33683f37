namespace IntelMQ.Core;

/// <summary>
/// One IDF event: ECS-shaped fields addressed by dotted path (<c>ev["source.as.number"]</c>). Every value is
/// validated and normalised for its field on the way in, so an event never holds an invalid value.
/// </summary>
public sealed class Event
{
    public const string IdField = "event.id", OriginalField = "event.original", LinksField = "links";

    readonly Dictionary<string, object?> _fields;

    public Event(MessageKind kind = MessageKind.Event, FieldCatalogue? catalogue = null)
    {
        Kind = kind;
        Catalogue = catalogue ?? FieldCatalogue.Default;
        _fields = new Dictionary<string, object?>(32, StringComparer.Ordinal);
    }

    Event(Event other)
    {
        Kind = other.Kind;
        Catalogue = other.Catalogue;
        _fields = new Dictionary<string, object?>(other._fields, StringComparer.Ordinal);
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
    public IEnumerable<KeyValuePair<string, object?>> Fields => _fields;

    public string? Id => _fields.GetValueOrDefault(IdField) as string;

    /// <summary>Gets a value (null when absent); setting validates and overwrites, setting null removes.</summary>
    public object? this[string path]
    {
        get => _fields.GetValueOrDefault(path);
        set
        {
            if (value is null) _fields.Remove(path);
            else Add(path, value, overwrite: true);
        }
    }

    public bool Contains(string path) => _fields.ContainsKey(path);

    public bool TryGetValue(string path, out object? value) => _fields.TryGetValue(path, out value);

    public bool Remove(string path) => _fields.Remove(path);

    /// <summary>
    /// Validates, normalises and stores a value. Null and empty text are ignored (feeds use them for "no value"),
    /// except in json fields such as <c>custom.*</c>, which keep them as given.
    /// </summary>
    /// <exception cref="InvalidFieldException">The field is unknown, already set (without <paramref name="overwrite"/>), or the value does not fit.</exception>
    public void Add(string path, object? value, bool overwrite = false)
    {
        var field = Catalogue.Find(path)
                    ?? throw new InvalidFieldException(path, $"unknown field '{path}': it is neither an ECS field nor an IDF extension; put your own fields under custom.*");
        if (value is not null) value = FieldNormalizer.Unwrap(value);
        if (field.Type != FieldType.Json && (value is null || value is string { Length: 0 })) return;
        if (!overwrite && _fields.ContainsKey(path))
            throw new InvalidFieldException(path, $"field '{path}' is already set to {Describe(_fields[path])}; refusing to overwrite it with {Describe(value)}");
        _fields[path] = value is null ? null : FieldNormalizer.Normalize(field, value);
    }

    /// <summary>Like <see cref="Add"/>, but reports an invalid value by returning false.</summary>
    public bool TryAdd(string path, object? value, bool overwrite = false)
    {
        try
        {
            Add(path, value, overwrite);
            return true;
        }
        catch (InvalidFieldException)
        {
            return false;
        }
    }

    /// <summary>Copies a field of another event as it is (it was validated there); false when the source lacks it.</summary>
    public bool CopyFrom(Event source, string path)
    {
        if (!source._fields.TryGetValue(path, out var value)) return false;
        _fields[path] = value;
        return true;
    }

    public void AssignNewId() => _fields[IdField] = Guid.CreateVersion7().ToString("D");

    /// <summary>A copy with the same fields and id; call <see cref="AssignNewId"/> for a new event.</summary>
    public Event Clone() => new(this);

    static string Describe(object? value) => value is string s ? $"'{s}'" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";
}
