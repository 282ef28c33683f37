using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core;

/// <summary>Generates the JSON Schema of the IDF (packets and events) from the field catalogue; committed as schema/idf.schema.json.</summary>
public static class IdfJsonSchema
{
    public static string Generate(FieldCatalogue? catalogue = null)
    {
        catalogue ??= FieldCatalogue.Default;
        var eventSchema = Object("An IDF event: ECS fields nested by their dotted names, plus the IntelMQ extensions and custom.*.");
        eventSchema["required"] = new JsonArray("event");
        foreach (var field in catalogue.Fields)
        {
            var parent = eventSchema;
            var parts = field.Name.Split('.');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var props = parent["properties"]!.AsObject();
                if (props[parts[i]] is not JsonObject child || child["type"]?.GetValue<string>() != "object" || child["properties"] is null)
                    props[parts[i]] = child = Object(null);
                parent = child;
            }
            var leaf = parent["properties"]!.AsObject();
            // An ECS object field (geo_point) that also has sub-fields keeps the object schema.
            if (leaf[parts[^1]] is JsonObject { } existing && existing["properties"] is not null) continue;
            leaf[parts[^1]] = Describe(field);
        }
        var eventProps = eventSchema["properties"]!.AsObject();
        eventProps["event"]!["required"] = new JsonArray("id");
        eventProps["custom"] = new JsonObject { ["type"] = "object", ["description"] = "User-defined fields (IntelMQ's extra.*)." };

        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://github.com/intelmq-net/intelmq-net/blob/main/schema/idf.schema.json",
            ["title"] = "IntelMQ internal data format (IDF) packet",
            ["description"] = $"Generated from the IDF field catalogue (ECS {FieldCatalogue.EcsVersion} plus IntelMQ extensions); see docs/idf.md. Do not edit by hand.",
            ["type"] = "object",
            ["required"] = new JsonArray("meta", "data"),
            ["properties"] = new JsonObject
            {
                ["meta"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("format-name", "version", "url", "created-at", "producer", "ecs-version"),
                    ["properties"] = new JsonObject
                    {
                        ["format-name"] = new JsonObject { ["const"] = PacketMeta.FormatName },
                        ["version"] = new JsonObject { ["type"] = "string" },
                        ["url"] = new JsonObject { ["type"] = "string", ["format"] = "uri" },
                        ["created-at"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                        ["producer"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                        ["ecs-version"] = new JsonObject { ["type"] = "string" },
                        ["type"] = new JsonObject { ["enum"] = new JsonArray("event", "report") },
                    },
                },
                ["data"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/$defs/event" } },
            },
            ["$defs"] = new JsonObject { ["event"] = eventSchema },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    static JsonObject Object(string? description)
    {
        var o = new JsonObject { ["type"] = "object" };
        if (description is not null) o["description"] = description;
        o["properties"] = new JsonObject();
        return o;
    }

    static JsonObject Describe(FieldDefinition field)
    {
        var item = field.Type switch
        {
            FieldType.Keyword or FieldType.Text or FieldType.Lowercase or FieldType.Uppercase => new JsonObject { ["type"] = "string" },
            FieldType.Ip => new JsonObject { ["type"] = "string", ["anyOf"] = new JsonArray(new JsonObject { ["format"] = "ipv4" }, new JsonObject { ["format"] = "ipv6" }) },
            FieldType.Cidr => new JsonObject { ["type"] = "string", ["pattern"] = "^[0-9a-fA-F:.]+/[0-9]{1,3}$" },
            FieldType.Fqdn => new JsonObject { ["type"] = "string", ["format"] = "hostname" },
            FieldType.Url => new JsonObject { ["type"] = "string", ["format"] = "uri" },
            FieldType.Port => new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 65535 },
            FieldType.Asn => new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 4294967295 },
            FieldType.Integer => new JsonObject { ["type"] = "integer" },
            FieldType.Float => new JsonObject { ["type"] = "number" },
            FieldType.Accuracy => new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 100 },
            FieldType.Boolean => new JsonObject { ["type"] = "boolean" },
            FieldType.DateTime => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            FieldType.Country => new JsonObject { ["type"] = "string", ["pattern"] = "^[A-Z]{2}$" },
            FieldType.Md5 => Hex(32),
            FieldType.Sha1 => Hex(40),
            FieldType.Sha256 => Hex(64),
            FieldType.Sha512 => Hex(128),
            FieldType.Taxonomy => new JsonObject { ["enum"] = new JsonArray(Classification.Taxonomies.Order(StringComparer.Ordinal).Select(t => (JsonNode)t).ToArray()) },
            FieldType.ClassificationType => new JsonObject { ["enum"] = new JsonArray(Classification.TaxonomyOfType.Keys.Order(StringComparer.Ordinal).Select(t => (JsonNode)t).ToArray()) },
            FieldType.Tlp => new JsonObject { ["enum"] = new JsonArray("CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT", "RED") },
            FieldType.Registry => new JsonObject { ["enum"] = new JsonArray("AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE") },
            FieldType.Uuid => new JsonObject { ["type"] = "string", ["format"] = "uuid" },
            FieldType.Links => new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("type", "id"),
                ["properties"] = new JsonObject
                {
                    ["type"] = new JsonObject { ["enum"] = new JsonArray("parent", "child", "same-report", "duplicate-of") },
                    ["id"] = new JsonObject { ["type"] = "string" },
                },
            },
            _ => new JsonObject(),
        };
        var schema = field.IsArray ? new JsonObject { ["type"] = "array", ["items"] = item } : item;
        if (field.Description is { Length: > 0 } d && d != "ECS field.") schema["description"] = d;
        return schema;
    }

    static JsonObject Hex(int length) => new() { ["type"] = "string", ["pattern"] = $"^[0-9a-f]{{{length}}}$" };
}
