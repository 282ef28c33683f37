using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Lists;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Misp;

/// <summary>Writes a MISP feed directory: a MISP event per interval (and grouping value) collecting the IntelMQ events, with manifest.json and hashes.csv.</summary>
[Program("misp-feed-output", ProgramKind.Output, "Writes events into a MISP feed directory (manifest.json, hashes.csv, a MISP event per interval), every file replaced atomically.",
    Modules = ["intelmq.bots.outputs.misp.output_feed"],
    Options = typeof(MispFeedOutputOptions),
    Description = """
        The directory is a feed in MISP's feed format, which a MISP instance pulls (as a local feed or served by a web
        server): manifest.json lists the feed's events (uuid to Orgc, Tag, info, date, analysis, threat_level_id,
        timestamp), every event is a file <uuid>.json holding {"Event": ...}, and hashes.csv has a line "md5 of the
        value,event uuid" per attribute for MISP's feed correlation. All IntelMQ events of one interval_event (counted
        from the Unix epoch, in UTC, so every process and every restart agrees) and one grouping_key value go into one
        MISP event whose uuid is derived from misp_org_uuid, the value and the interval, and whose info is
        additional_info ({key} is the value) and "IntelMQ event <start> - <end>". Each IntelMQ event becomes an
        intelmq_event object (or, with flat_events, loose attributes) whose attributes are every field (object_relation
        its IntelMQ name, type and category from the field: ip-src, domain, url, md5, ...; raw is left out), or only the
        fields attribute_mapping names, with its parameters. tagging adds tags to the events (__all__, or a grouping
        value). After each batch the event files it touched, hashes.csv and then manifest.json are each written to a
        temporary file and renamed into place, under the lock on output_dir/.lock, so that MISP never reads half a
        file and several processes can write one feed. An event without any mapped field is refused.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run misp-feed-output --set output_dir=/var/www/misp-feed --set misp_org_name=CERT.example --set misp_org_uuid=5e2a1c1d-... --set interval_event='1 day' < events.jsonl"])]
public sealed class MispFeedOutput : IOutput
{
    const string Program = "misp-feed-output";
    const string All = "__all__";

    readonly MispFeedOutputOptions _options;
    readonly string _dir;
    readonly TimeSpan _interval;
    readonly TimeProvider _clock;
    readonly Dictionary<string, Dictionary<string, JsonNode?>>? _mapping;
    readonly Dictionary<string, JsonArray> _tags;
    readonly string? _groupingPath;

    public MispFeedOutput(MispFeedOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        if (!Guid.TryParse(options.MispOrgUuid, out _))
            throw new ConfigurationException($"{Program}: option 'misp_org_uuid' is '{options.MispOrgUuid}'; give your organisation's UUID as MISP shows it (Administration, List Organisations).");
        if (options.MispOrgName.Length == 0) throw new ConfigurationException($"{Program}: option 'misp_org_name' is empty; give your organisation's name as MISP knows it.");
        _interval = Interval(options.IntervalEvent)
                    ?? throw new ConfigurationException($"{Program}: option 'interval_event' is '{options.IntervalEvent}'; give a number and a unit, e.g. '1 hour', '12 hours', '1 day'.");
        _mapping = options.AttributeMapping.Trim().Length == 0 ? null : Mapping(options.AttributeMapping);
        _tags = Tags(options.Tagging);
        if (options.GroupingKey.Length > 0)
            _groupingPath = IntelMQFields.Path(options.GroupingKey) ?? throw new ConfigurationException($"{Program}: option 'grouping_key': '{options.GroupingKey}' is neither an IntelMQ nor an IDF field name.");
        _dir = Path.GetFullPath(options.OutputDir);
        try
        {
            Directory.CreateDirectory(_dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Program}: option 'output_dir': {ex.Message}. Give a writable directory.");
        }
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % _interval.Ticks, TimeSpan.Zero);
        var groups = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var attributes = Attributes(events[i], now);
            if (attributes.Count == 0)
            {
                results[i] = WriteResult.Refused($"{Program}: the event has none of the fields attribute_mapping names ({string.Join(", ", _mapping!.Keys)})");
                continue;
            }
            var key = _groupingPath is null ? "" : IntelMQFields.Text(events[i], _groupingPath) ?? "";
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(_options.FlatEvents
                ? new JsonObject { ["Attribute"] = new JsonArray([.. attributes]) }
                : new JsonObject
                {
                    ["name"] = "intelmq_event", ["meta-category"] = "network", ["description"] = "IntelMQ Event",
                    ["uuid"] = MispAttributeTypes.NameUuid($"{_options.MispOrgUuid}/object/{events[i].Id ?? events[i].StableId()}").ToString(),
                    ["timestamp"] = Unix(now), ["distribution"] = "5", ["sharing_group_id"] = "0", ["comment"] = "", ["deleted"] = false,
                    ["Attribute"] = new JsonArray([.. attributes]),
                });
        }
        if (groups.Count == 0) return ValueTask.CompletedTask;
        try
        {
            using var held = AppendOnlyFile.LockExclusive(Path.Combine(_dir, ".lock"));
            var manifest = ReadObject(Path.Combine(_dir, "manifest.json"));
            var hashes = new StringBuilder(File.Exists(Path.Combine(_dir, "hashes.csv")) ? File.ReadAllText(Path.Combine(_dir, "hashes.csv")) : "");
            foreach (var (key, parts) in groups)
            {
                var uuid = MispAttributeTypes.NameUuid($"{_options.MispOrgUuid}/event/{key}/{start.UtcTicks}").ToString();
                var misp = MispEvent(uuid, key, start, now, Path.Combine(_dir, uuid + ".json"));
                var target = misp[_options.FlatEvents ? "Attribute" : "Object"]!.AsArray();
                // A batch written again after a failure finds its objects there already (their uuids come from the events' ids).
                var present = target.Select(o => (string?)o?["uuid"]).ToHashSet(StringComparer.Ordinal);
                foreach (var part in parts)
                {
                    var added = _options.FlatEvents ? part["Attribute"]!.AsArray().Select(a => a!.AsObject()) : [part];
                    foreach (var item in added.Where(item => present.Add((string?)item["uuid"])))
                    {
                        target.Add(item.DeepClone());
                        foreach (var attribute in _options.FlatEvents ? [item] : item["Attribute"]!.AsArray().Select(a => a!.AsObject()))
                            hashes.Append(Md5(attribute["value"]?.ToString() ?? "")).Append(',').Append(uuid).Append('\n');
                    }
                }
                AtomicFile.Replace(Path.Combine(_dir, uuid + ".json"), new JsonObject { ["Event"] = misp }.ToJsonString());
                manifest[uuid] = new JsonObject
                {
                    ["Orgc"] = misp["Orgc"]!.DeepClone(), ["Tag"] = misp["Tag"]!.DeepClone(), ["info"] = (string?)misp["info"], ["date"] = (string?)misp["date"],
                    ["analysis"] = (string?)misp["analysis"], ["threat_level_id"] = (string?)misp["threat_level_id"], ["timestamp"] = (string?)misp["timestamp"],
                };
            }
            // The manifest last: MISP reads it first and finds only event files that are complete.
            AtomicFile.Replace(Path.Combine(_dir, "hashes.csv"), hashes.ToString());
            AtomicFile.Replace(Path.Combine(_dir, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TransientException($"{Program}: cannot write the feed in {_dir}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The MISP event of a group and interval: read from its file when it exists (other batches, processes or runs wrote to it), else new.</summary>
    JsonObject MispEvent(string uuid, string key, DateTimeOffset start, DateTimeOffset now, string path)
    {
        var existing = (ReadObject(path)["Event"] as JsonObject)?.DeepClone().AsObject();
        var misp = existing ?? new JsonObject
        {
            ["uuid"] = uuid, ["info"] = Info(key, start), ["date"] = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["analysis"] = "0", ["threat_level_id"] = "4", ["published"] = false, ["publish_timestamp"] = "0",
            ["Orgc"] = new JsonObject { ["name"] = _options.MispOrgName, ["uuid"] = _options.MispOrgUuid },
            ["Tag"] = new JsonArray(), ["Attribute"] = new JsonArray(), ["Object"] = new JsonArray(),
        };
        misp["timestamp"] = Unix(now);
        var tags = new JsonArray();
        foreach (var group in (string[])[All, key])
            if (_tags.TryGetValue(group, out var list))
                foreach (var tag in list) tags.Add(tag!.DeepClone());
        misp["Tag"] = tags;
        misp["Attribute"] ??= new JsonArray();
        misp["Object"] ??= new JsonArray();
        return misp;
    }

    string Info(string key, DateTimeOffset start)
    {
        var frame = $"IntelMQ event {start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss} - {(start + _interval).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss}";
        var additional = _options.AdditionalInfo.Replace("{key}", key, StringComparison.Ordinal).Trim();
        return additional.Length == 0 ? frame : $"{additional} {frame}";
    }

    List<JsonObject> Attributes(Event ev, DateTimeOffset now)
    {
        var attributes = new List<JsonObject>();
        var id = ev.Id ?? ev.StableId();
        if (_mapping is null)
        {
            foreach (var (path, value) in ev.Fields)
            {
                if (value is null || path == Core.Event.IdField || path == Core.Event.OriginalField) continue;
                attributes.Add(Attribute(IntelMQFields.Name(path), IntelMQFields.Text(value), id, now, null, ev));
            }
            return attributes;
        }
        foreach (var (name, parameters) in _mapping)
            if (IntelMQFields.Path(name) is { } path && IntelMQFields.Text(ev, path) is { } value)
                attributes.Add(Attribute(name, value, id, now, parameters, ev));
        return attributes;
    }

    JsonObject Attribute(string name, string value, string eventId, DateTimeOffset now, Dictionary<string, JsonNode?>? parameters, Event ev)
    {
        var kind = MispAttributeTypes.Of(name);
        var attribute = new JsonObject
        {
            ["uuid"] = MispAttributeTypes.NameUuid($"{_options.MispOrgUuid}/attribute/{eventId}/{name}").ToString(),
            ["type"] = kind.Type, ["category"] = kind.Category, ["to_ids"] = kind.ToIds, ["value"] = value,
            ["timestamp"] = Unix(now), ["distribution"] = "5", ["sharing_group_id"] = "0", ["comment"] = "", ["deleted"] = false, ["disable_correlation"] = false,
        };
        if (!_options.FlatEvents) attribute["object_relation"] = name;
        if (parameters is null) return attribute;
        foreach (var (parameter, given) in parameters)
            // A parameter naming one of the event's fields takes its value (IntelMQ's comment: malware.name).
            attribute[parameter] = given is JsonValue text && text.TryGetValue<string>(out var field) && IntelMQFields.Path(field) is { } path && IntelMQFields.Text(ev, path) is { } fieldValue
                ? fieldValue
                : given?.DeepClone();
        return attribute;
    }

    static Dictionary<string, Dictionary<string, JsonNode?>> Mapping(string json)
    {
        const string Fix = "give a mapping from IntelMQ field names to mappings of attribute parameters, e.g. {\"source.ip\": {}, \"source.fqdn\": {\"type\": \"domain\", \"to_ids\": true}}";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ConfigurationException($"{Program}: option 'attribute_mapping' is not a mapping; {Fix}.");
        }
        catch (JsonException ex)
        {
            throw new ConfigurationException($"{Program}: option 'attribute_mapping' is not valid JSON ({ex.Message}); {Fix}.");
        }
        var mapping = new Dictionary<string, Dictionary<string, JsonNode?>>(StringComparer.Ordinal);
        foreach (var (name, parameters) in root)
        {
            if (IntelMQFields.Path(name) is null) throw new ConfigurationException($"{Program}: option 'attribute_mapping': '{name}' is neither an IntelMQ nor an IDF field name.");
            if (parameters is not (null or JsonObject)) throw new ConfigurationException($"{Program}: option 'attribute_mapping': the parameters of '{name}' are not a mapping; {Fix}.");
            mapping[name] = parameters is JsonObject given ? given.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) : [];
        }
        return mapping;
    }

    static Dictionary<string, JsonArray> Tags(string json)
    {
        const string Fix = "give a mapping from __all__ or a grouping_key value to a list of tags, e.g. {\"__all__\": [{\"name\": \"tlp:amber\"}]}";
        var tags = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        if (json.Trim().Length == 0) return tags;
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            root = null;
        }
        if (root is null) throw new ConfigurationException($"{Program}: option 'tagging' is not a mapping; {Fix}.");
        foreach (var (group, list) in root)
        {
            if (list is not JsonArray array || array.Any(t => t is not JsonObject o || o["name"] is null))
                throw new ConfigurationException($"{Program}: option 'tagging': '{group}' must be a list of tags each with a name; {Fix}.");
            tags[group] = (JsonArray)array.DeepClone();
        }
        return tags;
    }

    /// <summary>IntelMQ's interval_event: "1 hour", "2 days", "30 minutes", "1 week".</summary>
    static TimeSpan? Interval(string text)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var count) || count <= 0) return null;
        TimeSpan? unit = parts[1].ToLowerInvariant().TrimEnd('s') switch
        {
            "minute" => TimeSpan.FromMinutes(1), "hour" => TimeSpan.FromHours(1), "day" => TimeSpan.FromDays(1), "week" => TimeSpan.FromDays(7),
            _ => null,
        };
        return unit * count is { } interval && interval >= TimeSpan.FromMinutes(1) ? interval : null;
    }

    static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) return new JsonObject();
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? new JsonObject();
        }
        catch (JsonException ex)
        {
            throw new IOException($"'{path}' is not the JSON this output wrote ({ex.Message}); move it away", ex);
        }
    }

    static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    static string Md5(string value) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(value)));
}
