using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Outputs.Text;

/// <summary>
/// Events as IntelMQ's outputs present them: field names given as IntelMQ or IDF names, values as text, and the
/// message as IntelMQ's JSON (flat or hierarchical, with or without <c>__type</c> and <c>raw</c>).
/// </summary>
internal static class IntelMQFields
{
    const string Raw = "raw";

    static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>The IDF path of a field named as IntelMQ (<c>source.asn</c>, <c>extra.x</c>, <c>raw</c>) or IDF names it; null when neither knows it.</summary>
    public static string? Path(string name)
    {
        if (name == Raw) return Event.OriginalField;
        if (FieldCatalogue.Default.Find(name) is not null) return name;
        return DhoMapping.ToIdf(name);
    }

    /// <summary>The IntelMQ name of an IDF path (its IDF path when IntelMQ has none).</summary>
    public static string Name(string path) => path == Event.OriginalField ? Raw : DhoMapping.ToDho(path) ?? path;

    /// <summary>A field's value as text: strings as they are, numbers and booleans as JSON writes them, lists and objects as JSON; null when absent.</summary>
    public static string? Text(Event ev, string path) => ev[path] is { } value ? Text(value) : null;

    public static string Text(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Json(value),
    };

    static string Json(object value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Relaxed)) EventJson.WriteValue(json, value);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The event as IntelMQ's JSON message, its fields named as IntelMQ names them.</summary>
    /// <param name="hierarchical">Nest the names at their dots (<c>{"source": {"ip": ...}}</c>), as IntelMQ's <c>hierarchical_output</c>.</param>
    public static byte[] Message(Event ev, bool hierarchical, bool withType, bool withRaw)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, Relaxed)) EventJson.WriteDho(json, ev, withType, withRaw);
        if (!hierarchical) return buffer.WrittenSpan.ToArray();
        var flat = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        var nested = new JsonObject();
        foreach (var (name, value) in flat.ToList())
        {
            flat.Remove(name);
            Nest(nested, name, value);
        }
        return JsonSerializer.SerializeToUtf8Bytes(nested, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>The event as IntelMQ's JSON text.</summary>
    public static string MessageText(Event ev, bool hierarchical, bool withType, bool withRaw) =>
        System.Text.Encoding.UTF8.GetString(Message(ev, hierarchical, withType, withRaw));

    static void Nest(JsonObject root, string name, JsonNode? value)
    {
        var parts = name.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is JsonObject inner) node = inner;
            else if (node.ContainsKey(parts[i]))
            {
                node = null; // a value sits where an object would go: keep this one flat
                break;
            }
            else
            {
                var created = new JsonObject();
                node[parts[i]] = created;
                node = created;
            }
        }
        if (node is null || node.ContainsKey(parts[^1])) root[name] = value;
        else node[parts[^1]] = value;
    }
}
