using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Outputs.Elasticsearch;

/// <summary>
/// The composable index template for the output's indexes: mappings for the fields IntelMQ's harmonisation knows,
/// typed from the field catalogue (ECS types where ECS has the field); every other field is mapped dynamically.
/// </summary>
internal static class IndexTemplate
{
    public static JsonObject For(string index)
    {
        var properties = new JsonObject();
        foreach (var path in DhoMapping.IdfToDho.Keys.Order(StringComparer.Ordinal))
        {
            if (FieldCatalogue.Default.Find(path) is not { } field || Mapping(field.Type) is not { } type) continue;
            var parent = properties;
            var names = path.Split('.');
            for (var i = 0; i < names.Length - 1 && parent is not null; i++)
            {
                if (parent[names[i]] is not JsonObject node) parent[names[i]] = node = new JsonObject { ["properties"] = new JsonObject() };
                parent = node["properties"] as JsonObject; // null when a leaf of that name was mapped: the field stays dynamic
            }
            if (parent is not null && !parent.ContainsKey(names[^1])) parent[names[^1]] = new JsonObject { ["type"] = type };
        }
        return new JsonObject
        {
            ["index_patterns"] = new JsonArray(index, index + "-*"),
            ["priority"] = 200,
            ["template"] = new JsonObject { ["mappings"] = new JsonObject { ["properties"] = properties } },
            ["_meta"] = new JsonObject { ["created_by"] = "intelmq elasticsearch-output", ["ecs_version"] = FieldCatalogue.EcsVersion },
        };
    }

    /// <returns>Null for JSON and links: their shape varies, so dynamic mapping takes them.</returns>
    static string? Mapping(FieldType type) => type switch
    {
        FieldType.Text => "text",
        FieldType.Ip => "ip",
        FieldType.Cidr => "ip_range",
        FieldType.Port or FieldType.Asn or FieldType.Integer => "long",
        FieldType.Float or FieldType.Accuracy => "float",
        FieldType.Boolean => "boolean",
        FieldType.DateTime => "date",
        FieldType.Json or FieldType.Links => null,
        _ => "keyword",
    };
}
