using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Outputs.Stix;

/// <summary>Writes each batch as one STIX 2.1 bundle file: an indicator and a sighting per event.</summary>
[Program("stix-output", ProgramKind.Output, "Writes each batch of events as a STIX 2.1 bundle file: an indicator and a sighting per event.",
    Options = typeof(StixOutputOptions),
    Description = """
        Every batch becomes one file bundle--<uuid>.json in directory, written to a temporary file and renamed, so a reader
        never sees half a bundle. Each event gives an indicator (id indicator--<event.id>, so the same event gives the
        same indicator) whose STIX pattern joins with OR the event's values: source.ip or source.network (ipv4-addr or
        ipv6-addr), source.domain (domain-name), source.url.full (url), source.user.name when it is an e-mail address
        (email-addr), file.hash.md5, sha1, sha256 and sha512 (file hashes), and destination.ip with destination.port
        (network-traffic dst_ref.value AND dst_port). name is event_description.text, description
        threat.indicator.description, labels tags, valid_from event.start (else time.source, else time.observation),
        valid_until event.end when later, object_marking_refs the TLP 2.0 marking of threat.indicator.marking.tlp,
        kill_chain_phases threat.tactic.name in threat.framework, confidence custom.stix_confidence. A sighting of it
        records when (time.source) and how often (threat.indicator.sightings, else 1) it was seen. An event without any
        of those values, or without any time, is refused with that reason. stix-parser reads the bundles back.
        """,
    FieldsRead = ["source.ip", "source.network", "source.domain", "source.url.full", "source.user.name", "file.hash.*", "destination.ip",
        "destination.port", "message", "threat.indicator.*", "tags", "event.start", "event.end", "@timestamp", "event.created",
        "threat.tactic.name", "threat.framework", "custom.stix_confidence"],
    Examples = ["intelmq run stix-output --set directory=/var/lib/intelmq/stix < events.jsonl"])]
public sealed class StixOutput : IOutput
{
    // TLP 2.0 marking definitions (OASIS); TLP 1.0's WHITE is 2.0's CLEAR.
    static readonly Dictionary<string, string> TlpMarkings = new(StringComparer.Ordinal)
    {
        ["CLEAR"] = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        ["WHITE"] = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        ["GREEN"] = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        ["AMBER"] = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        ["AMBER+STRICT"] = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        ["RED"] = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    };

    static readonly (string Field, string Comparison)[] Values =
    [
        ("source.domain", "domain-name:value"), ("source.url.full", "url:value"), ("file.hash.md5", "file:hashes.MD5"),
        ("file.hash.sha1", "file:hashes.'SHA-1'"), ("file.hash.sha256", "file:hashes.'SHA-256'"), ("file.hash.sha512", "file:hashes.'SHA-512'"),
    ];

    readonly string _directory;
    readonly TimeProvider _clock;

    public StixOutput(StixOutputOptions options, ProgramContext context)
    {
        _directory = options.Directory;
        _clock = context.Clock;
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"stix-output: option 'directory': {ex.Message}. Give a writable directory, e.g. --set directory=/var/lib/intelmq/stix");
        }
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var objects = new JsonArray();
        for (var i = 0; i < events.Count; i++)
        {
            if (Indicator(events[i], out var reason) is not { } indicator)
            {
                results[i] = WriteResult.Refused(reason);
                continue;
            }
            objects.Add(indicator);
            objects.Add(Sighting(events[i], indicator));
            results[i] = WriteResult.Written;
        }
        if (objects.Count == 0) return;
        var id = $"bundle--{Guid.NewGuid()}";
        var bundle = new JsonObject { ["type"] = "bundle", ["id"] = id, ["objects"] = objects };
        var path = Path.Combine(_directory, id + ".json");
        var temporary = path + ".tmp";
        try
        {
            await File.WriteAllTextAsync(temporary, bundle.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            File.Move(temporary, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new TransientException($"stix-output: cannot write {path}: {ex.Message}", ex);
        }
    }

    JsonObject? Indicator(Event ev, out string reason)
    {
        reason = "";
        var comparisons = new List<string>();
        foreach (var side in (string[])["source.ip", "source.network"])
            if (ev[side] is string address) comparisons.Add($"{AddressType(address)}:value = {Quote(address)}");
        foreach (var (field, comparison) in Values)
            if (ev[field] is string value) comparisons.Add($"{comparison} = {Quote(value)}");
        if (ev["source.user.name"] is string user && user.Contains('@')) comparisons.Add($"email-addr:value = {Quote(user)}");
        if (ev["destination.ip"] is string destination)
            comparisons.Add($"network-traffic:dst_ref.value = {Quote(destination)}"
                            + (ev["destination.port"] is long port ? $" AND network-traffic:dst_port = {port.ToString(CultureInfo.InvariantCulture)}" : ""));
        var created = ev["event.created"] as string ?? ev["@timestamp"] as string;
        var validFrom = ev["event.start"] as string ?? ev["@timestamp"] as string ?? created;
        if (comparisons.Count == 0)
        {
            reason = "the event has no address, domain, URL, e-mail address or file hash to build a STIX pattern from";
            return null;
        }
        if (created is null || validFrom is null)
        {
            reason = "the event has no time (time.source or time.observation) for the indicator's created and valid_from";
            return null;
        }
        var indicator = new JsonObject
        {
            ["type"] = "indicator", ["spec_version"] = "2.1", ["id"] = $"indicator--{ev.Id ?? ev.StableId()}",
            ["created"] = StixTime(created), ["modified"] = StixTime(created),
            ["pattern"] = $"[{string.Join(" OR ", comparisons)}]", ["pattern_type"] = "stix", ["valid_from"] = StixTime(validFrom),
        };
        if (ev["event.end"] is string end && string.CompareOrdinal(end, validFrom) > 0) indicator["valid_until"] = StixTime(end);
        if (ev["message"] is string name) indicator["name"] = name;
        if (ev["threat.indicator.description"] is string description) indicator["description"] = description;
        if (ev["tags"] is IEnumerable<object> tags) indicator["labels"] = new JsonArray(tags.Select(t => (JsonNode?)t.ToString()).ToArray());
        if (ev["custom.stix_confidence"]?.ToString() is { } confidence && int.TryParse(confidence, out var score)) indicator["confidence"] = score;
        if (ev["threat.indicator.marking.tlp"] is string tlp && TlpMarkings.TryGetValue(tlp, out var marking)) indicator["object_marking_refs"] = new JsonArray(marking);
        if (ev["threat.tactic.name"] is IEnumerable<object> phases)
            indicator["kill_chain_phases"] = new JsonArray(phases.Select(p => (JsonNode?)new JsonObject
            {
                ["kill_chain_name"] = ev["threat.framework"] as string ?? "intelmq", ["phase_name"] = p.ToString(),
            }).ToArray());
        return indicator;
    }

    JsonObject Sighting(Event ev, JsonObject indicator)
    {
        var seen = (string)indicator["created"]!;
        if (ev["@timestamp"] is string timestamp) seen = StixTime(timestamp);
        var now = StixTime(_clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        return new JsonObject
        {
            ["type"] = "sighting", ["spec_version"] = "2.1", ["id"] = $"sighting--{NameUuid("sighting:" + (string)indicator["id"]!)}",
            ["created"] = now, ["modified"] = now, ["first_seen"] = seen, ["last_seen"] = seen,
            ["count"] = ev["threat.indicator.sightings"] is long count and > 0 ? count : 1, ["sighting_of_ref"] = (string)indicator["id"]!,
        };
    }

    static string AddressType(string address) =>
        IPAddress.TryParse(address.Split('/')[0], out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6-addr" : "ipv4-addr";

    static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    // STIX timestamps are UTC with a Z.
    static string StixTime(string timestamp) =>
        DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // A name-based UUID (version 5 layout over SHA-1), so that one event's sighting keeps its id.
    static Guid NameUuid(string name)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
