using System.Text;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IntelMQ.Core;

/// <summary>
/// Every field an IDF event may carry: the ECS fields (<c>ecs-fields.tsv</c>, derived from ecs_flat.yml),
/// the IntelMQ extensions and stricter types (<c>idf-fields.tsv</c>), and <c>custom.*</c> for user fields.
/// </summary>
public sealed class FieldCatalogue
{
    public const string EcsVersion = "9.5.0-dev";
    const string CustomPrefix = "custom.";

    public static FieldCatalogue Default { get; } = Load();

    readonly FrozenDictionary<string, Resolved> _fields;
    readonly ConcurrentDictionary<string, Resolved> _derived = new(StringComparer.Ordinal);
    readonly Func<string, Resolved> _derive;
    readonly FieldDefinition[] _sorted;
    readonly System.Collections.ObjectModel.ReadOnlyCollection<FieldDefinition> _sortedView;
    readonly int _customOrder;

    readonly FrozenSet<string> _containers;

    readonly Recent?[] _recent = new Recent?[8192];

    FieldCatalogue(Dictionary<string, FieldDefinition> fields)
    {
        _sorted = [.. fields.Values.OrderBy(f => f.Name, StringComparer.Ordinal)];
        // Output order (see Placement.Order): custom.* share the even number where "custom." sorts among the fields.
        var known = new Dictionary<string, Resolved>(StringComparer.Ordinal);
        for (var i = 0; i < _sorted.Length; i++)
        {
            known[_sorted[i].Name] = new Resolved(_sorted[i], new Placement(_sorted[i].Name, 2 * i + 1));
            if (string.CompareOrdinal(_sorted[i].Name, CustomPrefix) < 0) _customOrder = 2 * i + 2;
        }
        _fields = known.ToFrozenDictionary(StringComparer.Ordinal);
        _sortedView = Array.AsReadOnly(_sorted);
        _derive = Derive;
        var containers = new HashSet<string>(StringComparer.Ordinal) { "custom" };
        foreach (var name in fields.Keys)
            for (var dot = name.IndexOf('.'); dot > 0; dot = name.IndexOf('.', dot + 1))
                containers.Add(name[..dot]);
        _containers = containers.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>A known or derived field and how it is written; both null for an unknown path.</summary>
    internal readonly record struct Resolved(FieldDefinition? Field, Placement? Placement);

    /// <summary>
    /// Where a field goes in nested IDF JSON: its place in the output order and the property names of its path,
    /// encoded once (for writers with the relaxed encoder) rather than for every event.
    /// </summary>
    internal sealed class Placement(string path, int order, int shared = 0)
    {
        public string Path { get; } = path;

        /// <summary>Whether the field's value goes into the event's stable id (<see cref="Event.StableId"/>).</summary>
        public bool IsIdentityInput { get; } = StableIds.IsInput(path);

        /// <summary>The field's place in the identifying fields of the stable id, or -1.</summary>
        public int IdentityRank { get; } = StableIds.Rank(path);

        static readonly ConcurrentDictionary<string, string> SegmentNames = new(StringComparer.Ordinal);
        static int _created;

        int _id;

        string[]? _names;
        Opening? _opening;
        bool _unencodable;
        byte[]? _dhoName;

        /// <summary>The field's IntelMQ (DHO) key as UTF-8, <c>extra.idf.PATH</c> where IntelMQ has none; made once.</summary>
        public byte[] DhoName => _dhoName ??= Encoding.UTF8.GetBytes(DhoMapping.ToDho(Path) ?? EventJson.IdfPrefix + Path);

        /// <summary>Ordinal path order, without comparing paths: odd for catalogue fields; fields derived from one parent
        /// (custom.*, paths below a json field) share the even number after it and are compared by path. -1: unknown.</summary>
        public int Order { get; } = order;

        /// <summary>
        /// The first four characters after the <c>shared</c> start (<c>custom.</c>, a json field's path) that paths of the
        /// same order have in common, as a number that sorts as they do: paths with different prefixes compare without
        /// reading the strings.
        /// </summary>
        public ulong SortPrefix { get; } = Prefix(path.AsSpan(shared));

        static ulong Prefix(ReadOnlySpan<char> rest)
        {
            ulong prefix = 0;
            for (var i = 0; i < 4; i++) prefix = prefix << 16 | (i < rest.Length ? rest[i] : 0u);
            return prefix;
        }

        /// <summary>
        /// One of 128 bits (a word of two and a bit in it) for an event's filter of the fields it holds. Numbered when first
        /// asked for, so that the fields a program uses get different bits rather than those the catalogue made in a row.
        /// </summary>
        public (int Word, ulong Bit) FilterBit => ((Number >> 6) & 1, 1UL << Number);

        /// <summary>A number no other placement has (from 1), given when first asked for: an index for tables kept per field.</summary>
        public int Number
        {
            get
            {
                if (_id == 0) Interlocked.CompareExchange(ref _id, Interlocked.Increment(ref _created), 0);
                return _id;
            }
        }

        // Below custom every property is one field, so "custom.source.naics" is custom → "source.naics".
        // Names are interned, so the writer finds the objects two paths share by comparing references.
        public string[] Names => _names ??= Array.ConvertAll(
            Path.StartsWith(CustomPrefix, StringComparison.Ordinal) ? ["custom", Path[CustomPrefix.Length..]] : Path.Split('.'),
            name => SegmentNames.GetOrAdd(name, name));

        /// <summary>
        /// The path's names as JSON properties in UTF-8, escaped as the relaxed encoder escapes them, with an object opened
        /// after each but the last (<c>"source":{"geo":{"city_name":</c>), and where each name starts; null when a name
        /// cannot be encoded (invalid UTF-16).
        /// </summary>
        public Opening? Opening
        {
            get
            {
                if (_opening is null && !_unencodable)
                {
                    try { _opening = new Opening(Array.ConvertAll(Names, Property)); }
                    catch (ArgumentException) { _unencodable = true; }
                }
                return _opening;
            }
        }

        static byte[] Property(string name)
        {
            var encoded = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
            var property = new byte[encoded.Length + 3];
            property[0] = (byte)'"';
            encoded.CopyTo(property.AsSpan(1));
            property[^2] = (byte)'"';
            property[^1] = (byte)':';
            return property;
        }
    }

    /// <summary>What <see cref="Placement.Opening"/> gives: the encoded names and where each starts.</summary>
    internal sealed class Opening
    {
        public Opening(byte[][] properties)
        {
            Starts = new int[properties.Length];
            var bytes = new List<byte>();
            for (var i = 0; i < properties.Length; i++)
            {
                if (i > 0) bytes.Add((byte)'{');
                Starts[i] = bytes.Count;
                bytes.AddRange(properties[i]);
            }
            Bytes = [.. bytes];
        }

        public byte[] Bytes { get; }
        public int[] Starts { get; }

        /// <summary>The names from the one at <paramref name="depth"/> on.</summary>
        public ReadOnlySpan<byte> From(int depth) => Bytes.AsSpan(Starts[depth]);
    }

    /// <summary>
    /// True when a JSON object at this path holds further fields (<c>source</c>, <c>source.geo</c>, <c>custom</c>) rather than
    /// being a value. Below <c>custom</c> every property is one field, as in IntelMQ's extra: <c>{"custom": {"product.name": "x"}}</c>.
    /// </summary>
    public bool IsContainer(string path) => _containers.Contains(path);

    public IEnumerable<FieldDefinition> Fields => _sortedView;

    /// <summary>One more than the largest <see cref="Placement.Order"/> of this catalogue's fields.</summary>
    internal int OrderCount => 2 * _sorted.Length + 2;

    /// <summary>The definition of a dotted path, or null when the field is unknown.</summary>
    public FieldDefinition? Find(string path) => Resolve(path).Field;

    /// <summary>A handle to add values of a dotted path with (<see cref="Event.Add(FieldHandle, object?, bool)"/>), or null when the field is unknown.</summary>
    public FieldHandle? Handle(string path) => Resolve(path) is { Field: { } field, Placement: { } placement } ? new FieldHandle(this, field, placement) : null;

    internal Resolved Resolve(string path)
    {
        // Callers on hot paths pass the same string instances again and again (a parser's paths): a table keyed by
        // reference answers them without hashing the text. Its entries are immutable, so threads share it safely.
        ref var slot = ref _recent[RuntimeHelpers.GetHashCode(path) & (_recent.Length - 1)];
        var entry = slot;
        if (entry is not null && ReferenceEquals(entry.Path, path)) return entry.Resolved;
        var resolved = _fields.TryGetValue(path, out var field) ? field : _derived.GetOrAdd(path, _derive);
        slot = new Recent(path, resolved);
        return resolved;
    }

    sealed record Recent(string Path, Resolved Resolved);

    // custom.* and paths below a json-typed field (ECS objects, geo points) hold any JSON value.
    Resolved Derive(string path)
    {
        if (path.StartsWith(CustomPrefix, StringComparison.Ordinal))
            return new(new FieldDefinition(path, FieldType.Json, false, "User-defined field."), new Placement(path, _customOrder, CustomPrefix.Length));
        for (var dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
            if (_fields.TryGetValue(path[..dot], out var parent))
                return parent.Field!.Type == FieldType.Json
                    ? new(new FieldDefinition(path, FieldType.Json, false, parent.Field.Description), new Placement(path, parent.Placement!.Order + 1, dot + 1))
                    : default;
        return default;
    }

    static FieldCatalogue Load()
    {
        var fields = new Dictionary<string, FieldDefinition>(StringComparer.Ordinal);
        foreach (var row in EmbeddedData.ReadTable("ecs-fields.tsv"))
            fields[row[0]] = new FieldDefinition(row[0], FromEcsType(row[1]), row[2] == "yes", "ECS field.");
        foreach (var row in EmbeddedData.ReadTable("idf-fields.tsv"))
            fields[row[0]] = new FieldDefinition(row[0], ParseType(row[1]), row[2] == "yes", row.Length > 3 ? row[3] : "");
        return new FieldCatalogue(fields);
    }

    static FieldType FromEcsType(string ecsType) => ecsType switch
    {
        "keyword" or "wildcard" or "constant_keyword" => FieldType.Keyword,
        "text" or "match_only_text" => FieldType.Text,
        "long" or "integer" or "short" or "byte" or "unsigned_long" => FieldType.Integer,
        "float" or "double" or "scaled_float" or "half_float" => FieldType.Float,
        "date" => FieldType.DateTime,
        "boolean" => FieldType.Boolean,
        "ip" => FieldType.Ip,
        _ => FieldType.Json,
    };

    /// <summary>Type names as written in idf-fields.tsv (kebab case).</summary>
    public static FieldType ParseType(string name) =>
        Enum.TryParse<FieldType>(name.Replace("-", ""), ignoreCase: true, out var type)
            ? type : throw new InvalidOperationException($"idf-fields.tsv: unknown field type '{name}'.");
}
