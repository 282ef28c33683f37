using System.Globalization;
using System.Net;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using IntelMQ.Experts.Rfc1918;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Ripe;

/// <summary>Finds abuse contacts and geolocation of addresses and AS numbers at the RIPE NCC, as IntelMQ's ripe expert does.</summary>
[Program("ripe-expert", ProgramKind.Expert, "Fills abuse contacts of addresses and AS numbers from the RIPE database and RIPEstat, and geolocation from RIPEstat.",
    Modules = ["intelmq.bots.experts.ripe.expert"],
    Options = typeof(RipeExpertOptions),
    Description = """
        For each side (source, destination) asks, as the query_* options say, the RIPE database's abuse-contact
        service for ip (ADDRESS.json) and asn (asNUMBER.json), and RIPEstat's abuse-contact-finder for both; the
        contacts found, each once, in that order, go to abuse_contact, joined with commas. mode=append (the
        default) keeps the contacts the event has and adds the others; mode=replace puts the contacts found in
        their place and removes the field when every service answered and none had a contact. With
        query_ripe_stat_geolocation, RIPEstat's maxmind-geo-lite gives geolocation.cc, city, latitude and
        longitude (the location covering most of the address's prefix); replace overwrites what the event has,
        append fills only what is missing. A 404 from the database, or its answer for address space the RIPE NCC
        does not manage (0.0.0.0 - 255.255.255.255, ::/0), means no contact. Private and reserved addresses and AS
        numbers are not asked. The requests of one event run at once, each within timeout seconds; answers are
        cached per service and resource for cache_ttl seconds (IntelMQ's redis_cache_ttl; the Redis cache itself
        is not used), and concurrent events share one request. A request that fails (no answer, an error status,
        a body that is not the service's JSON) is logged and its side's contacts are left as they were in
        replace mode (append adds what the other services found); the event is always passed on.
        ripe_db_url and ripe_stat_url point the expert at a mirror or a test server.
        """,
    FieldsRead = ["source.ip", "destination.ip", "source.as.number", "destination.as.number", "source.abuse_contact", "destination.abuse_contact"],
    FieldsWritten = [
        "source.abuse_contact", "source.geo.country_iso_code", "source.geo.city_name", "source.geo.location.lat", "source.geo.location.lon",
        "destination.abuse_contact", "destination.geo.country_iso_code", "destination.geo.city_name", "destination.geo.location.lat", "destination.geo.location.lon",
    ],
    Examples = [
        "intelmq run ripe-expert < events.jsonl > enriched.jsonl",
        "intelmq run ripe-expert --set mode=replace --set query_ripe_stat_geolocation=false < events.jsonl",
    ])]
public sealed class RipeExpert : IAsyncExpert, IDisposable
{
    const string Program = "ripe-expert";
    const string SourceApp = "intelmq-net"; // RIPEstat asks callers to name themselves
    static readonly string[] Sides = ["source", "destination"];
    static readonly string[] WholeAddressSpace = ["0.0.0.0 - 255.255.255.255", "::/0"];

    readonly RipeExpertOptions _options;
    readonly Uri _database, _stat;
    readonly LookupHttpClient _client;
    readonly LookupCache<string, string[]> _contacts;
    readonly LookupCache<string, Geolocation?> _geolocations;
    readonly ILogger _log;

    public RipeExpert(RipeExpertOptions options, ProgramContext context)
    {
        _options = options;
        _database = BaseUrl("ripe_db_url", options.RipeDbUrl);
        _stat = BaseUrl("ripe_stat_url", options.RipeStatUrl);
        _client = new LookupHttpClient(options.Timeout, options.ConnectionsPerServer, allowPrivateAddresses: true, options.HttpUserAgent);
        _contacts = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _geolocations = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _log = context.Log;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        var pending = new Pending[Sides.Length];
        for (var i = 0; i < Sides.Length; i++) pending[i] = Start(ev, Sides[i], cancellationToken);
        foreach (var side in pending) await ApplyAsync(ev, side);
        output.Emit(ev);
    }

    /// <summary>Starts every lookup of one side, so that the event waits for the slowest, not for their sum.</summary>
    Pending Start(Event ev, string side, CancellationToken cancellationToken)
    {
        var contacts = new List<(string Key, Task<string[]> Answer)>();
        Task<Geolocation?>? geolocation = null;
        // A shared lookup is bounded by the request timeout; one event's cancellation must not cancel it for the others.
        void Ask(string key) => contacts.Add((key, _contacts.GetAsync(key, LookupContactsAsync).WaitAsync(cancellationToken)));
        if (ev[side + ".ip"] is string text && IPAddress.TryParse(text, out var address) && !ReservedRanges.IsReserved(address))
        {
            var ip = address.ToString();
            if (_options.QueryRipeDbIp) Ask("db_ip:" + ip);
            if (_options.QueryRipeStatIp) Ask("stat:" + ip);
            if (_options.QueryRipeStatGeolocation) geolocation = _geolocations.GetAsync(ip, LookupGeolocationAsync).WaitAsync(cancellationToken);
        }
        if (ev[side + ".as.number"] is { } number && long.TryParse(Convert.ToString(number, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var asn)
            && !ReservedRanges.IsReserved(asn))
        {
            if (_options.QueryRipeDbAsn) Ask("db_asn:" + asn.ToString(CultureInfo.InvariantCulture));
            if (_options.QueryRipeStatAsn) Ask("stat:AS" + asn.ToString(CultureInfo.InvariantCulture));
        }
        return new Pending(side, contacts, geolocation);
    }

    async ValueTask ApplyAsync(Event ev, Pending pending)
    {
        if (pending.Contacts.Count > 0)
        {
            var found = new List<string>();
            var failed = false;
            foreach (var (key, answer) in pending.Contacts)
            {
                try
                {
                    foreach (var contact in await answer)
                        if (!Listed(found, contact)) found.Add(contact);
                }
                catch (LookupFailure failure)
                {
                    failed = true;
                    _log.LogWarning("{Side} ({Key}) passed on without its RIPE abuse contact: {Reason}", pending.Side, key, failure.Message);
                }
            }
            UpdateContacts(ev, pending.Side + ".abuse_contact", found, failed);
        }
        if (pending.Geolocation is null) return;
        try
        {
            if (await pending.Geolocation is { } geolocation) Fill(ev, pending.Side, geolocation);
        }
        catch (LookupFailure failure)
        {
            _log.LogWarning("{Side}.ip passed on without RIPEstat geolocation: {Reason}", pending.Side, failure.Message);
        }
    }

    void UpdateContacts(Event ev, string field, List<string> found, bool failed)
    {
        if (_options.Mode == RipeMode.Replace)
        {
            if (failed) return; // a partial answer must not replace what the event has
            if (found.Count == 0) ev.Remove(field);
            else ev.TryAdd(field, string.Join(',', found), overwrite: true);
            return;
        }
        if (found.Count == 0) return;
        var all = ev[field] is string existing ? [.. existing.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : new List<string>();
        foreach (var contact in found)
            if (!Listed(all, contact)) all.Add(contact);
        ev.TryAdd(field, string.Join(',', all), overwrite: true);
    }

    static bool Listed(List<string> contacts, string contact) => contacts.Exists(c => string.Equals(c, contact, StringComparison.OrdinalIgnoreCase));

    void Fill(Event ev, string side, Geolocation geolocation)
    {
        var overwrite = _options.Mode == RipeMode.Replace;
        if (geolocation.CountryCode is { } cc) ev.TryAdd(side + ".geo.country_iso_code", cc, overwrite);
        if (geolocation.City is { } city) ev.TryAdd(side + ".geo.city_name", city, overwrite);
        if (geolocation.Latitude is { } latitude) ev.TryAdd(side + ".geo.location.lat", latitude, overwrite);
        if (geolocation.Longitude is { } longitude) ev.TryAdd(side + ".geo.location.lon", longitude, overwrite);
    }

    /// <param name="key">The service and resource, as IntelMQ names its cache keys: db_ip:ADDRESS, db_asn:NUMBER, stat:ADDRESS or stat:ASNUMBER.</param>
    async Task<string[]> LookupContactsAsync(string key)
    {
        var colon = key.IndexOf(':');
        var resource = key[(colon + 1)..];
        return key[..colon] switch
        {
            "db_ip" => await AskDatabaseAsync(resource),
            "db_asn" => await AskDatabaseAsync("as" + resource),
            _ => await AskStatAsync(resource),
        };
    }

    /// <summary>The RIPE database's abuse-contact service: {"abuse-contacts": {"email": ...}, "parameters": {"primary-key": {"value": RANGE}}}.</summary>
    async Task<string[]> AskDatabaseAsync(string resource)
    {
        var url = new Uri(_database, Uri.EscapeDataString(resource) + ".json");
        var response = await _client.GetAsync(url, accept: "application/json");
        if (response.Status == (int)HttpStatusCode.NotFound) return [];
        if (response.Status != (int)HttpStatusCode.OK) throw new LookupFailure($"{url}: HTTP status code was {response.Status}");
        using var json = response.Json(url.ToString());
        var root = json.RootElement;
        if (Child(root, "parameters", "primary-key", "value") is { ValueKind: JsonValueKind.String } range && WholeAddressSpace.Contains(range.GetString()))
            return [];
        return Child(root, "abuse-contacts", "email") is { ValueKind: JsonValueKind.String } email && email.GetString() is { Length: > 0 } contact ? [contact] : [];
    }

    /// <summary>RIPEstat's abuse-contact-finder: {"status": "ok", "data": {"abuse_contacts": [...]}}.</summary>
    async Task<string[]> AskStatAsync(string resource)
    {
        using var json = await AskStatJsonAsync("abuse-contact-finder", resource);
        if (Child(json.RootElement, "data", "abuse_contacts") is not { ValueKind: JsonValueKind.Array } contacts) return [];
        var found = new List<string>();
        foreach (var contact in contacts.EnumerateArray())
            if (contact.ValueKind == JsonValueKind.String && contact.GetString() is { Length: > 0 } text) found.Add(text);
        return [.. found];
    }

    /// <summary>RIPEstat's maxmind-geo-lite: data.located_resources[].locations[] with country, city, latitude, longitude, covered_percentage.</summary>
    async Task<Geolocation?> LookupGeolocationAsync(string ip)
    {
        using var json = await AskStatJsonAsync("maxmind-geo-lite", ip);
        JsonElement? best = null;
        var bestCover = double.MinValue;
        if (Child(json.RootElement, "data", "located_resources") is { ValueKind: JsonValueKind.Array } resources)
            foreach (var resource in resources.EnumerateArray())
                if (Child(resource, "locations") is { ValueKind: JsonValueKind.Array } locations)
                    foreach (var location in locations.EnumerateArray())
                    {
                        var cover = Child(location, "covered_percentage") is { ValueKind: JsonValueKind.Number } c ? c.GetDouble() : 0;
                        if (location.ValueKind == JsonValueKind.Object && cover > bestCover) (best, bestCover) = (location, cover);
                    }
        if (best is not { } found) return null;
        string? Text(string name) => Child(found, name) is { ValueKind: JsonValueKind.String } v && v.GetString() is { Length: > 0 } s ? s : null;
        double? Number(string name) => Child(found, name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
        return new Geolocation(Text("country") is { Length: 2 } cc ? cc.ToUpperInvariant() : null, Text("city"), Number("latitude"), Number("longitude"));
    }

    async Task<JsonDocument> AskStatJsonAsync(string call, string resource)
    {
        var url = new Uri(_stat, $"{call}/data.json?resource={Uri.EscapeDataString(resource)}&sourceapp={SourceApp}");
        var response = await _client.GetAsync(url, accept: "application/json");
        if (response.Status != (int)HttpStatusCode.OK) throw new LookupFailure($"{url}: HTTP status code was {response.Status}");
        var json = response.Json(url.ToString());
        if (Child(json.RootElement, "status") is { ValueKind: JsonValueKind.String } status && status.GetString() is var text && text != "ok")
        {
            json.Dispose();
            throw new LookupFailure($"{url}: RIPEstat answered status '{text}'");
        }
        return json;
    }

    /// <summary>The element at a path of object properties, or null where one is missing or not an object.</summary>
    static JsonElement? Child(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        return element;
    }

    static Uri BaseUrl(string option, string value) =>
        Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new ConfigurationException($"{Program}: option '{option}': '{value}' is not an http(s) URL.");

    public void Dispose() => _client.Dispose();

    sealed record Pending(string Side, List<(string Key, Task<string[]> Answer)> Contacts, Task<Geolocation?>? Geolocation);

    sealed record Geolocation(string? CountryCode, string? City, double? Latitude, double? Longitude);
}
