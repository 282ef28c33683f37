using System.Collections.Concurrent;
using System.Collections.Frozen;

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

    FieldCatalogue(Dictionary<string, FieldDefinition> fields)
    {
        _sorted = [.. fields.Values.OrderBy(f => f.Name, StringComparer.Ordinal)];
        // A field's order is its place in ordinal name order (odd numbers); derived fields share the even number
        // right after their parent, custom.* the even number where "custom." sorts. EventJson sorts by it.
        var known = new Dictionary<string, Resolved>(StringComparer.Ordinal);
        for (var i = 0; i < _sorted.Length; i++)
        {
            known[_sorted[i].Name] = new Resolved(_sorted[i], 2 * i + 1);
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

    /// <summary>A known or derived field and its place in the output order; <c>Field</c> is null for an unknown path.</summary>
    internal readonly record struct Resolved(FieldDefinition? Field, int Order);

    /// <summary>
    /// True when a JSON object at this path holds further fields (<c>source</c>, <c>source.geo</c>, <c>custom</c>) rather than
    /// being a value. Below <c>custom</c> every property is one field, as in IntelMQ's extra: <c>{"custom": {"product.name": "x"}}</c>.
    /// </summary>
    public bool IsContainer(string path) => _containers.Contains(path);

    public IEnumerable<FieldDefinition> Fields => _sortedView;

    /// <summary>The definition of a dotted path, or null when the field is unknown.</summary>
    public FieldDefinition? Find(string path) => Resolve(path).Field;

    internal Resolved Resolve(string path) =>
        _fields.TryGetValue(path, out var field) ? field : _derived.GetOrAdd(path, _derive);

    // custom.* and paths below a json-typed field (ECS objects, geo points) hold any JSON value.
    Resolved Derive(string path)
    {
        if (path.StartsWith(CustomPrefix, StringComparison.Ordinal))
            return new(new FieldDefinition(path, FieldType.Json, false, "User-defined field."), _customOrder);
        for (var dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
            if (_fields.TryGetValue(path[..dot], out var parent))
                return parent.Field!.Type == FieldType.Json
                    ? new(new FieldDefinition(path, FieldType.Json, false, parent.Field.Description), parent.Order + 1)
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
