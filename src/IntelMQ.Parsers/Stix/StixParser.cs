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
        objects or one STIX object, streamed: one object in memory at a time (up to max_size bytes; a larger one goes to
        the dump with its position, and so does the rest of a report that ends or stops being JSON midway), plus what
        objects say about each other (identity names, TLP levels, malware names, indicates relationships, and the
        objects sightings and observed data name), so a report of any size parses in bounded memory. Indicators whose pattern_type is stix: the pattern's
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
public sealed class StixParser : IParser, IStreamParser
{
    readonly StixParserOptions _options;

    public StixParser(StixParserOptions? options = null) => _options = options ?? new StixParserOptions();

    void IParser.Parse(Event report, TextReader body, IEmitter output)
    {
        using var replayable = ReplayableBody.Of(body);
        Parse(report, replayable, output);
    }

    void IStreamParser.Parse(Event report, Stream body, IEmitter output)
    {
        using var replayable = ReplayableBody.Of(body);
        Parse(report, replayable, output);
    }

    // Three reads of the body, one object in memory at a time: what other objects refer to (names, markings, relationships,
    // the ids sightings and observed data name), then the objects so named, then the events in the report's order.
    void Parse(Event report, ReplayableBody body, IEmitter output)
    {
        var context = new Context();
        ForEachObject(body, null, (stixObject, _) => context.Learn(stixObject));
        if (context.Named.Count > 0) ForEachObject(body, null, (stixObject, _) => context.Keep(stixObject));
        var bundle = new Bundle(report, output, context);
        ForEachObject(body, output, (stixObject, position) =>
        {
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
        });
    }

    /// <summary>
    /// Visits each STIX object of the body. With <paramref name="rejects"/>, an object larger than max_size goes to the dump
    /// with its position, and so does the rest of a body that stops being JSON (or ends) after its first object.
    /// </summary>
    void ForEachObject(ReplayableBody body, IEmitter? rejects, Action<JsonElement, string> visit)
    {
        var reader = new JsonStreamReader(body.Rewind(), _options.MaxSize);
        using var items = Objects(reader, body).GetEnumerator();
        var seen = false;
        while (true)
        {
            try
            {
                if (!items.MoveNext()) return;
            }
            catch (JsonStreamException ex) when (seen)
            {
                rejects?.Reject($"byte {ex.Offset}", body.Slice(ex.Offset, _options.MaxSize), ex);
                return;
            }
            catch (JsonStreamException ex)
            {
                throw new InvalidDataException(ex.Message, ex);
            }
            seen = true;
            var (index, offset, stixObject, tooLarge, length) = items.Current;
            if (tooLarge is not null)
            {
                rejects?.Reject($"object {index} (byte {offset})", tooLarge, new InvalidDataException(
                    $"the object is {length} bytes, more than max_size ({_options.MaxSize}); its first {tooLarge.Length} bytes are dumped"));
                continue;
            }
            if (stixObject.ValueKind != JsonValueKind.Object) continue;
            visit(stixObject, $"object {index}" + (stixObject.Text("id") is { } id ? $" ({id})" : ""));
        }
    }

    /// <summary>
    /// The objects of a bundle or TAXII envelope (its objects list), of a list of STIX objects, or one STIX object; each
    /// read whole on its own, or its first bytes when it is larger than max_size.
    /// </summary>
    static IEnumerable<(int Index, long Offset, JsonElement Object, byte[]? TooLarge, long Length)> Objects(JsonStreamReader reader, ReplayableBody body)
    {
        if (!reader.Read()) throw new InvalidDataException("the report is empty");
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            foreach (var item in Elements(reader)) yield return item;
            yield break;
        }
        const string neither = "the report is neither a STIX bundle, a TAXII envelope (objects), a list of STIX objects nor a STIX object";
        if (reader.TokenType != JsonTokenType.StartObject) throw new InvalidDataException(neither);
        string? type = null;
        bool more = false, listed = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.Text;
            if (name == "objects")
            {
                if (!reader.Read()) throw new JsonStreamException("the report ends inside the JSON document", 0);
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.StartArray) throw new InvalidDataException("the report's objects is not a list");
                listed = true;
                foreach (var item in Elements(reader)) yield return item;
                continue;
            }
            reader.ReadValue(out var value, out _);
            using (value)
            {
                if (name == "type" && value?.RootElement.ValueKind == JsonValueKind.String) type = value.RootElement.GetString();
                if (name == "more") more = true;
            }
        }
        // A bundle without objects (or an empty TAXII envelope) is empty; any other object is one STIX object.
        if (listed || type == "bundle" || more) yield break;
        if (type is null) throw new InvalidDataException(neither);
        var again = new JsonStreamReader(body.Rewind(), reader.MaxValueBytes);
        var result = again.ReadValue(out var whole, out var offset);
        using (whole) yield return (1, offset, whole?.RootElement ?? default, result == JsonStreamReader.Result.TooLarge ? again.TooLargePrefix : null, again.TooLargeLength);
    }

    static IEnumerable<(int Index, long Offset, JsonElement Object, byte[]? TooLarge, long Length)> Elements(JsonStreamReader reader)
    {
        for (var index = 1; ; index++)
        {
            var result = reader.ReadValue(out var element, out var offset);
            if (result == JsonStreamReader.Result.EndOfContainer) yield break;
            using (element) yield return (index, offset, element?.RootElement ?? default, result == JsonStreamReader.Result.TooLarge ? reader.TooLargePrefix : null, reader.TooLargeLength);
        }
    }

    /// <summary>
    /// What the objects of one report say about each other, kept while the report is read: identity names, TLP levels of
    /// marking definitions, malware names and which indicator indicates which, and the objects that sightings and observed
    /// data name (sighted indicators, observables), whole. Nothing else of the report stays in memory.
    /// </summary>
    sealed class Context
    {
        public Dictionary<string, string> Identities { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Markings { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> MalwareNames { get; } = new(StringComparer.Ordinal);
        public List<(string Indicator, string Target)> Indicates { get; } = [];
        public HashSet<string> Named { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, JsonElement> Kept { get; } = new(StringComparer.Ordinal);

        public void Learn(JsonElement stixObject)
        {
            switch (stixObject.Text("type"))
            {
                case "identity" or "location" when stixObject.Text("id") is { } id && stixObject.Text("name") is { } name:
                    Identities.TryAdd(id, name);
                    break;
                case "marking-definition" when stixObject.Text("id") is { } id && StixMarkings.Level(stixObject) is { } level:
                    Markings.TryAdd(id, level);
                    break;
                case "malware" when stixObject.Text("id") is { } id && stixObject.Text("name") is { } name:
                    MalwareNames.TryAdd(id, name);
                    break;
                case "relationship" when stixObject.Text("relationship_type") == "indicates"
                                         && stixObject.Text("source_ref") is { } source && stixObject.Text("target_ref") is { } target:
                    // Which targets are malware is known only at the end: the first whose target is one wins.
                    Indicates.Add((source, target));
                    break;
                case "sighting" when stixObject.Text("sighting_of_ref") is { } reference:
                    Named.Add(reference);
                    break;
                case "observed-data" when stixObject.Member("object_refs") is { ValueKind: JsonValueKind.Array } refs:
                    foreach (var reference in refs.EnumerateArray())
                        if (reference.ValueKind == JsonValueKind.String) Named.Add(reference.GetString()!);
                    break;
            }
        }

        public void Keep(JsonElement stixObject)
        {
            if (stixObject.Text("id") is { } id && Named.Contains(id)) Kept.TryAdd(id, stixObject.Clone());
        }
    }

    /// <summary>One report's context, and the events made from it so far (the first one anchors the same-report links).</summary>
    sealed class Bundle
    {
        readonly Event _report;
        readonly IEmitter _output;
        readonly Context _context;
        readonly Dictionary<string, string> _indicatedMalware = new(StringComparer.Ordinal);
        string? _firstEventId;

        public Bundle(Event report, IEmitter output, Context context)
        {
            _report = report;
            _output = output;
            _context = context;
            foreach (var (key, target) in context.Indicates)
                if (context.MalwareNames.TryGetValue(target, out var name)) _indicatedMalware.TryAdd(key, name);
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
            if (!_context.Kept.TryGetValue(reference, out var indicator) || indicator.Text("type") != "indicator")
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
                    if (_context.Kept.TryGetValue(id, out var observable)) result.Add((id, observable));
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
            if (StixMarkings.Strictest(stixObject, _context.Markings) is { } tlp)
                ev.Add("threat.indicator.marking.tlp", tlp, overwrite);
            if (stixObject.Member("confidence") is { ValueKind: JsonValueKind.Number } confidence && confidence.TryGetInt32(out var score) && score is >= 0 and <= 100)
            {
                ev.Add("threat.indicator.confidence", score switch { 0 => "None", < 30 => "Low", < 70 => "Medium", _ => "High" }, overwrite);
                ev.Add("custom.stix_confidence", score, overwrite);
            }
        }

        string? IdentityName(string? id) => id is not null && _context.Identities.TryGetValue(id, out var name) ? name : null;
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
