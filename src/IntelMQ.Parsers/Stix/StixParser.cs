using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Stix;

/// <summary>
/// Parses STIX 2.1 (and 2.0) bundles and TAXII 2.1 envelopes: indicators with STIX patterns, observed data and sightings
/// become events; what cannot become one goes to the dump with the reason.
/// </summary>
[Program("stix-parser", ProgramKind.Parser, "Parses STIX 2.1 bundles and TAXII 2.1 envelopes: indicators, observed data and sightings.",
    Options = typeof(StixParserOptions),
    Description = """
        Reads a report that is a STIX bundle, a TAXII 2.1 envelope (any object with an objects list), a JSON list of STIX
        objects or one STIX object, up to max_size characters. Indicators whose pattern_type is stix: the pattern's
        equalities (= and IN) over ipv4-addr and ipv6-addr (source.ip, or source.network for a prefix), domain-name
        (source.domain), url (source.url.full), email-addr (source.user.name), file hashes MD5, SHA-1, SHA-256, SHA-512
        (file.hash.*) and network-traffic (dst_ref/src_ref values as destination/source address or domain, dst_port,
        src_port, protocols as network.transport) become events, one per alternative: OR within or between observations
        gives one event per value, AND within one observation over one object type gives one event with all its values.
        Refused, each with its reason in the dump: observations joined by AND or FOLLOWEDBY, AND across object types,
        qualifiers (WITHIN, START/STOP, REPEATS), operators other than = and IN, NOT, other object types and properties,
        other pattern languages, and values that are not valid for their field (the other alternatives still go on).
        Observed data (2.1 object_refs to objects of the bundle, or 2.0 embedded objects) gives one event per supported
        observable; a sighting gives the events of the indicator it refers to (which must be in the same report), with
        first_seen, last_seen and count. Every event carries: threat.indicator.type (the STIX object type of its value),
        threat.indicator.id (the STIX ids it came from; a sighting's and its indicator's), a parent link to each of those ids
        and to the report, a same-report link to the report's first event, tags from labels and indicator_types,
        threat.indicator.confidence (the 0-100 confidence on the None/Low/Medium/High scale of STIX appendix A; the number in
        custom.stix_confidence), threat.indicator.marking.tlp from object_marking_refs (TLP 1.0 and 2.0 ids, or TLP marking
        definitions in the bundle; the strictest of several), threat.tactic.name and threat.framework from kill_chain_phases,
        event.start and event.end from valid_from and valid_until, threat.indicator.provider from created_by_ref's identity,
        message from name, threat.indicator.description from description, threat.software.name from a malware the indicator
        indicates (relationship), classification other/undetermined, and @timestamp (valid_from, a sighting's last_seen,
        observed data's last_observed). event.original is the STIX object (for observed data, followed by the observable);
        the events of one object share it, and event.sequence numbers them (1, 2, ...) so that their ids differ. Other
        objects (identities, relationships, malware, reports, ...) are context and give no events.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["event.sequence", "source.ip", "source.network", "source.domain", "source.url.full", "source.user.name", "source.port",
        "destination.ip", "destination.network", "destination.domain", "destination.port", "network.transport", "file.hash.*",
        "threat.indicator.*", "threat.tactic.name", "threat.framework", "threat.software.name", "tags", "links", "event.start",
        "event.end", "message", "custom.stix_confidence", "custom.stix_where_sighted", "classification.*", "@timestamp", "event.original"],
    Examples = ["intelmq run stix-parser --in-format dho --out-format idf < taxii-reports.jsonl"])]
public sealed class StixParser : IParser
{
    readonly StixParserOptions _options;

    public StixParser(StixParserOptions? options = null) => _options = options ?? new StixParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonReport.ReadDocument(body, _options.MaxSize);
        var objects = Objects(document.RootElement);
        var bundle = new Bundle(report, output, objects);
        for (var i = 0; i < objects.Count; i++)
        {
            var stixObject = objects[i];
            var position = $"object {i + 1}" + (stixObject.Text("id") is { } id ? $" ({id})" : "");
            try
            {
                switch (stixObject.Text("type"))
                {
                    case "indicator":
                        bundle.Indicator(stixObject, position);
                        break;
                    case "observed-data":
                        bundle.ObservedData(stixObject, position);
                        break;
                    case "sighting":
                        bundle.Sighting(stixObject, position);
                        break;
                }
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject(position, stixObject.GetRawText(), ex);
            }
        }
    }

    static List<JsonElement> Objects(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object && root.Member("objects") is null)
        {
            // A bundle without objects (or an empty TAXII envelope) is empty; any other object is one STIX object.
            if (root.Text("type") is "bundle" || root.Member("more") is not null) return [];
            if (root.Text("type") is not null) return [root];
        }
        var list = root.ValueKind == JsonValueKind.Array ? root
            : root.Member("objects") is { ValueKind: JsonValueKind.Array } objects ? objects
            : throw new InvalidDataException("the report is neither a STIX bundle, a TAXII envelope (objects), a list of STIX objects nor a STIX object");
        var result = new List<JsonElement>();
        foreach (var element in list.EnumerateArray())
            if (element.ValueKind == JsonValueKind.Object) result.Add(element);
        return result;
    }

    /// <summary>One report's objects by id, and the events made from them so far (the first one anchors the same-report links).</summary>
    sealed class Bundle
    {
        readonly Event _report;
        readonly IEmitter _output;
        readonly Dictionary<string, JsonElement> _byId = new(StringComparer.Ordinal);
        readonly Dictionary<string, string> _indicatedMalware = new(StringComparer.Ordinal);
        string? _firstEventId;

        public Bundle(Event report, IEmitter output, List<JsonElement> objects)
        {
            _report = report;
            _output = output;
            foreach (var stixObject in objects)
                if (stixObject.Text("id") is { } id) _byId.TryAdd(id, stixObject);
            foreach (var stixObject in objects)
                if (stixObject.Text("type") == "relationship" && stixObject.Text("relationship_type") == "indicates"
                    && stixObject.Text("source_ref") is { } source && stixObject.Text("target_ref") is { } target
                    && _byId.TryGetValue(target, out var malware) && malware.Text("type") == "malware" && malware.Text("name") is { } name)
                    _indicatedMalware.TryAdd(source, name);
        }

        public void Indicator(JsonElement indicator, string position)
        {
            var alternatives = Alternatives(indicator);
            var several = alternatives.Count > 1;
            for (var k = 0; k < alternatives.Count; k++)
                EmitAlternative(position, alternatives[k], several ? k + 1 : 0, indicator.GetRawText(), ev =>
                {
                    Describe(ev, indicator);
                    ev.Add("threat.indicator.id", new[] { indicator.Text("id") });
                    ev.Add("@timestamp", indicator.Text("valid_from"));
                });
        }

        public void Sighting(JsonElement sighting, string position)
        {
            var reference = sighting.Text("sighting_of_ref") ?? throw new InvalidDataException("the sighting has no sighting_of_ref");
            if (!_byId.TryGetValue(reference, out var indicator) || indicator.Text("type") != "indicator")
                throw new InvalidDataException($"the sighting refers to {reference}, which is not an indicator of this report");
            var alternatives = Alternatives(indicator);
            var several = alternatives.Count > 1;
            for (var k = 0; k < alternatives.Count; k++)
                EmitAlternative(position, alternatives[k], several ? k + 1 : 0, sighting.GetRawText(), ev =>
                {
                    Describe(ev, indicator);
                    // The sighting's own provenance and marking win over the indicator's.
                    Provenance(ev, sighting, overwrite: true);
                    ev.Add("threat.indicator.id", new[] { sighting.Text("id"), indicator.Text("id") });
                    ev.Add("threat.indicator.first_seen", sighting.Text("first_seen"));
                    ev.Add("threat.indicator.last_seen", sighting.Text("last_seen"));
                    ev.Add("threat.indicator.sightings", sighting.Text("count"));
                    ev.Add("@timestamp", sighting.Text("last_seen") ?? sighting.Text("first_seen") ?? sighting.Text("created"));
                    if (sighting.Member("where_sighted_refs") is { ValueKind: JsonValueKind.Array } where)
                        ev.Add("custom.stix_where_sighted", new JsonArray(where.EnumerateArray()
                            .Select(r => (JsonNode?)JsonValue.Create(IdentityName(r.GetString()) ?? r.GetString())).ToArray()));
                });
        }

        public void ObservedData(JsonElement observed, string position)
        {
            var observables = Observables(observed);
            for (var k = 0; k < observables.Count; k++)
            {
                var (key, observable) = observables[k];
                var comparisons = Comparisons(observable, observables);
                if (comparisons is null)
                {
                    _output.Reject($"{position} observable {key}", observable.GetRawText(),
                        new InvalidDataException($"the observable of type '{observable.Text("type")}' has no value an event can hold"));
                    continue;
                }
                if (comparisons.Count == 0) continue; // consumed by a network-traffic object
                EmitAlternative($"{position} observable {key}", comparisons, 0, observed.GetRawText() + "\n" + observable.GetRawText(), ev =>
                {
                    Provenance(ev, observed, overwrite: false);
                    ev.Add("threat.indicator.id", observable.Text("id") is { } id ? new[] { observed.Text("id"), id } : new[] { observed.Text("id") });
                    ev.Add("threat.indicator.first_seen", observed.Text("first_observed"));
                    ev.Add("threat.indicator.last_seen", observed.Text("last_observed"));
                    ev.Add("threat.indicator.sightings", observed.Text("number_observed"));
                    ev.Add("@timestamp", observed.Text("last_observed"));
                });
            }
        }

        static List<List<StixComparison>> Alternatives(JsonElement indicator)
        {
            if (indicator.Text("pattern_type") is { } language && language != "stix")
                throw new InvalidDataException($"pattern_type '{language}' is not STIX patterning; only STIX patterns name values");
            var pattern = indicator.Text("pattern") ?? throw new InvalidDataException("the indicator has no pattern");
            try
            {
                return StixPattern.Parse(pattern);
            }
            catch (FormatException ex)
            {
                throw new InvalidDataException($"pattern {Shorten(pattern)}: {ex.Message}", ex);
            }
        }

        // The observables of observed data, with their keys: 2.1 object_refs resolved in the report, or 2.0 embedded objects.
        List<(string Key, JsonElement Observable)> Observables(JsonElement observed)
        {
            var result = new List<(string, JsonElement)>();
            if (observed.Member("object_refs") is { ValueKind: JsonValueKind.Array } refs)
            {
                foreach (var reference in refs.EnumerateArray())
                {
                    var id = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : reference.GetRawText();
                    if (_byId.TryGetValue(id, out var observable)) result.Add((id, observable));
                    else _output.Reject($"observed data {observed.Text("id")}", id, new InvalidDataException($"object_refs names {id}, which is not in this report"));
                }
            }
            else if (observed.Member("objects") is { ValueKind: JsonValueKind.Object } embedded)
            {
                foreach (var member in embedded.EnumerateObject())
                    if (member.Value.ValueKind == JsonValueKind.Object) result.Add((member.Name, member.Value));
            }
            else throw new InvalidDataException("the observed data has neither object_refs nor objects");
            return result;
        }

        // An observable as equalities; empty when a network-traffic object of the same observation already holds it; null when it has no value an event holds.
        List<StixComparison>? Comparisons(JsonElement observable, List<(string Key, JsonElement Observable)> siblings)
        {
            var type = observable.Text("type") ?? "";
            switch (type)
            {
                case "ipv4-addr" or "ipv6-addr" or "domain-name":
                    var key = siblings.First(s => s.Observable.Equals(observable)).Key;
                    if (siblings.Any(s => s.Observable.Text("type") == "network-traffic"
                                          && (s.Observable.Text("dst_ref") == key || s.Observable.Text("src_ref") == key)))
                        return [];
                    return observable.Text("value") is { } address ? [new(type, "value", address)] : null;
                case "url" or "email-addr":
                    return observable.Text("value") is { } value ? [new(type, "value", value)] : null;
                case "file":
                    var hashes = new List<StixComparison>();
                    if (observable.Member("hashes") is { ValueKind: JsonValueKind.Object } members)
                        foreach (var hash in members.EnumerateObject())
                            if (HashField(hash.Name) is not null && hash.Value.ValueKind == JsonValueKind.String)
                                hashes.Add(new(type, $"hashes.'{hash.Name}'", hash.Value.GetString()!));
                    return hashes.Count > 0 ? hashes : null;
                case "network-traffic":
                    var traffic = new List<StixComparison>();
                    foreach (var side in (string[])["src", "dst"])
                    {
                        if (observable.Text($"{side}_ref") is { } reference
                            && siblings.FirstOrDefault(s => s.Key == reference).Observable is { ValueKind: JsonValueKind.Object } end
                            && end.Text("value") is { } endValue)
                            traffic.Add(new(type, $"{side}_ref.value", endValue));
                        if (observable.Text($"{side}_port") is { } port) traffic.Add(new(type, $"{side}_port", port));
                    }
                    if (observable.Member("protocols") is { ValueKind: JsonValueKind.Array } protocols && protocols.GetArrayLength() > 0)
                        traffic.Add(new(type, "protocols[0]", protocols[0].ToString()));
                    return traffic.Count > 0 ? traffic : null;
                default:
                    return null;
            }
        }

        void EmitAlternative(string position, List<StixComparison> alternative, int number, string original, Action<Event> describe)
        {
            var text = string.Join(" AND ", alternative.Select(c => $"{c.ObjectType}:{c.Path} = '{c.Value.Replace("\\", "\\\\").Replace("'", "\\'")}'"));
            try
            {
                var ev = ReportFields.NewEvent(_report);
                foreach (var comparison in alternative) AddValue(ev, comparison);
                ev.Add("threat.indicator.type", alternative[0].ObjectType);
                describe(ev);
                // The alternatives may differ only in fields that are not part of the stable id (source.network).
                if (number > 0) ev.Add("event.sequence", (long)number);
                ev.Add("classification.taxonomy", "other");
                ev.Add("classification.type", "undetermined");
                var links = new JsonArray();
                if (_firstEventId is not null) links.Add(new JsonObject { ["type"] = "same-report", ["id"] = _firstEventId });
                if (ev["threat.indicator.id"] is IEnumerable<object> ids)
                    foreach (var id in ids) links.Add(new JsonObject { ["type"] = "parent", ["id"] = (string)id });
                AddLinks(ev, links);
                _output.EmitParsed(ev, original);
                _firstEventId ??= ev.Id;
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                _output.Reject(number > 0 ? $"{position} alternative {number}" : position, $"[{text}]", ex);
            }
        }

        static void AddLinks(Event ev, JsonArray links)
        {
            if (ev[Event.LinksField] is IEnumerable<object> existing)
                foreach (var link in existing.Reverse()) links.Insert(0, ((JsonNode)link).DeepClone());
            if (links.Count > 0) ev.Add(Event.LinksField, links, overwrite: true);
        }

        void Describe(Event ev, JsonElement indicator)
        {
            Provenance(ev, indicator, overwrite: false);
            ev.Add("message", indicator.Text("name"));
            ev.Add("threat.indicator.description", indicator.Text("description"));
            ev.Add("event.start", indicator.Text("valid_from"));
            ev.Add("event.end", indicator.Text("valid_until"));
            var tags = new List<string>();
            foreach (var list in (string[])["labels", "indicator_types"])
                if (indicator.Member(list) is { ValueKind: JsonValueKind.Array } values)
                    foreach (var value in values.EnumerateArray())
                        if (value.ValueKind == JsonValueKind.String && !tags.Contains(value.GetString()!)) tags.Add(value.GetString()!);
            if (tags.Count > 0) ev.Add("tags", tags);
            if (indicator.Member("kill_chain_phases") is { ValueKind: JsonValueKind.Array } phases && phases.GetArrayLength() > 0)
            {
                ev.Add("threat.tactic.name", phases.EnumerateArray().Select(p => p.Text("phase_name")).Where(p => p is not null).ToList());
                ev.Add("threat.framework", phases[0].Text("kill_chain_name"));
            }
            if (indicator.Text("id") is { } id && _indicatedMalware.TryGetValue(id, out var malware))
                ev.Add("threat.software.name", malware);
        }

        void Provenance(Event ev, JsonElement stixObject, bool overwrite)
        {
            if (stixObject.Text("created_by_ref") is { } creator && IdentityName(creator) is { } name)
                ev.Add("threat.indicator.provider", name, overwrite);
            if (StixMarkings.Strictest(stixObject, _byId) is { } tlp)
                ev.Add("threat.indicator.marking.tlp", tlp, overwrite);
            if (stixObject.Member("confidence") is { ValueKind: JsonValueKind.Number } confidence && confidence.TryGetInt32(out var score) && score is >= 0 and <= 100)
            {
                ev.Add("threat.indicator.confidence", score switch { 0 => "None", < 30 => "Low", < 70 => "Medium", _ => "High" }, overwrite);
                ev.Add("custom.stix_confidence", score, overwrite);
            }
        }

        string? IdentityName(string? id) => id is not null && _byId.TryGetValue(id, out var identity) ? identity.Text("name") : null;
    }

    static void AddValue(Event ev, StixComparison comparison)
    {
        var (type, path, value) = (comparison.ObjectType, comparison.Path, comparison.Value);
        switch (type, path)
        {
            case ("ipv4-addr" or "ipv6-addr", "value"):
                AddAddress(ev, "source", value, domainAllowed: false);
                return;
            case ("domain-name", "value"):
                ev.Add("source.domain", value);
                return;
            case ("url", "value"):
                ev.Add("source.url.full", value);
                return;
            case ("email-addr", "value"):
                ev.Add("source.user.name", value);
                return;
            case ("file", _) when path.StartsWith("hashes.", StringComparison.Ordinal) && HashField(path[7..]) is { } field:
                ev.Add(field, value);
                return;
            case ("network-traffic", "dst_ref.value" or "src_ref.value"):
                AddAddress(ev, path[0] == 'd' ? "destination" : "source", value, domainAllowed: true);
                return;
            case ("network-traffic", "dst_port" or "src_port"):
                ev.Add(path[0] == 'd' ? "destination.port" : "source.port", value);
                return;
            case ("network-traffic", "dst_ref.type" or "src_ref.type"):
                return; // says what the value is, which the value itself shows
            case ("network-traffic", "protocols[*]" or "protocols[0]"):
                ev.Add("network.transport", value);
                return;
            case ("ipv4-addr" or "ipv6-addr" or "domain-name" or "url" or "email-addr" or "file" or "network-traffic", _):
                throw new InvalidDataException($"the property {path} of {type} has no event field");
            default:
                throw new InvalidDataException($"objects of type {type} are not supported (supported: ipv4-addr, ipv6-addr, domain-name, url, email-addr, file hashes, network-traffic)");
        }
    }

    // An address, a prefix (a host prefix is an address) or, on network-traffic's ends, a domain.
    static void AddAddress(Event ev, string side, string value, bool domainAllowed)
    {
        var slash = value.IndexOf('/');
        if (slash > 0 && IPAddress.TryParse(value[..slash], out var address)
            && int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            if (length == (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)) ev.Add($"{side}.ip", value[..slash]);
            else ev.Add($"{side}.network", value);
            return;
        }
        if (domainAllowed && slash < 0 && !IPAddress.TryParse(value, out _) && value.Any(char.IsLetter)) ev.Add($"{side}.domain", value);
        else ev.Add($"{side}.ip", value);
    }

    static string? HashField(string name) => name.Trim('\'').Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "MD5" => "file.hash.md5",
        "SHA1" => "file.hash.sha1",
        "SHA256" => "file.hash.sha256",
        "SHA512" => "file.hash.sha512",
        _ => null,
    };

    static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
