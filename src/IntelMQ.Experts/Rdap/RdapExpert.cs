using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Rdap;

/// <summary>Finds the abuse contact of a domain at its registry's RDAP server, as IntelMQ's rdap expert does.</summary>
[Program("rdap-expert", ProgramKind.Expert, "Fills source.abuse_contact and destination.abuse_contact of a domain from its registry's RDAP server.",
    Modules = ["intelmq.bots.experts.rdap.expert"],
    Options = typeof(RdapExpertOptions),
    ReferenceData = typeof(RdapBootstrapUpdater),
    Description = """
        For source.fqdn and destination.fqdn (IDF source.domain, destination.domain) finds the RDAP server of the
        name's longest known suffix, first in rdap_bootstrapped_servers, then in IANA's bootstrap file (RFC 9224;
        kept in the data directory, fetched and swapped in by `--self-update-db`), and asks it for the domain
        (RFC 9083): the registered domain is searched for from one label under that suffix to the full name, at
        most three names, so www.example.co.uk finds example.co.uk. In the answer, the first role of rdap_order
        (abuse, then technical) held by an entity, or an entity nested in one, with an e-mail address in its
        vCard gives abuse_contact. A side that already has one is left alone unless overwrite=true. A custom
        server may carry a JWT: {"url": "...", "auth": {"type": "jwt", "token": "..."}} is sent as a bearer
        token. Answers, 'not registered' (404) included, are cached per name for cache_ttl seconds (IntelMQ's
        redis_cache_ttl; the Redis cache itself is not used); concurrent events share one request. A request
        that fails (no answer within timeout seconds, an error status, a body that is not RDAP JSON) passes the
        event on unchanged and logs the reason. Without a bootstrap file the expert runs with its custom servers
        only, and refuses to start when it has none.
        """,
    FieldsRead = ["source.domain", "destination.domain", "source.abuse_contact", "destination.abuse_contact"],
    FieldsWritten = ["source.abuse_contact", "destination.abuse_contact"],
    Examples = [
        "intelmq run rdap-expert --self-update-db",
        "intelmq run rdap-expert < events.jsonl > enriched.jsonl",
        "intelmq run rdap-expert --set 'rdap_bootstrapped_servers={\"at\": \"https://rdap.nic.at/\"}' < events.jsonl",
    ])]
public sealed class RdapExpert : IAsyncExpert, ISelfTest, IDisposable
{
    public const string FileName = "rdap_dns.json";
    const string Program = "rdap-expert";
    const int MaxNames = 3, MaxEntityDepth = 4;
    static readonly string[] Sides = ["source", "destination"];

    readonly Dictionary<string, RdapServer> _custom = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, Uri> _bootstrap;
    readonly string? _bootstrapPath;
    readonly string[] _roles;
    readonly bool _overwrite;
    readonly LookupHttpClient _client;
    readonly LookupCache<string, Answer?> _cache;
    readonly ILogger _log;
    readonly TimeProvider _clock;

    public RdapExpert(RdapExpertOptions options, ProgramContext context)
    {
        foreach (var (suffix, value) in options.RdapBootstrappedServers ?? new Dictionary<string, string>())
            _custom[suffix.Trim('.')] = CustomServer(suffix, value);
        var path = BootstrapPath(options, context);
        if (path is not null && File.Exists(path))
        {
            _bootstrap = RdapBootstrap.Read(path);
            _bootstrapPath = path;
        }
        else if (_custom.Count > 0)
            _bootstrap = [];
        else
            throw new ConfigurationException($"{Program}: no RDAP bootstrap file at {path ?? "(no data directory)"}: run `intelmq run {Program} --self-update-db` to fetch IANA's, or give rdap_bootstrapped_servers.");
        _roles = options.RdapOrder.Length > 0 ? options.RdapOrder
            : throw new ConfigurationException($"{Program}: option 'rdap_order' is empty; give the roles to take contacts from, e.g. [\"abuse\", \"technical\"].");
        _overwrite = options.Overwrite;
        _client = new LookupHttpClient(options.Timeout, options.ConnectionsPerServer, allowPrivateAddresses: true, options.HttpUserAgent);
        _cache = new(options.CacheSize, TimeSpan.FromSeconds(options.CacheTtl), context.Clock);
        _log = context.Log;
        _clock = context.Clock;
    }

    public async ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken)
    {
        foreach (var side in Sides)
        {
            var field = side + ".abuse_contact";
            if (ev[side + ".domain"] is not string domain || (!_overwrite && ev.Contains(field))) continue;
            try
            {
                if (await FindContactAsync(domain, cancellationToken) is { } contact) ev.TryAdd(field, contact, overwrite: true);
            }
            catch (LookupFailure failure)
            {
                _log.LogWarning("{Side}.fqdn {Domain} passed on without an RDAP contact: {Reason}", side, domain, failure.Message);
            }
        }
        output.Emit(ev);
    }

    async Task<string?> FindContactAsync(string domain, CancellationToken cancellationToken)
    {
        string name;
        try
        {
            name = new IdnMapping().GetAscii(domain.Trim().TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
        var labels = name.Split('.');
        if (Suffix(labels) is not { } suffixLabels) return null;
        for (var n = suffixLabels + 1; n <= labels.Length && n <= suffixLabels + MaxNames; n++)
        {
            var candidate = string.Join('.', labels, labels.Length - n, n);
            // A shared lookup is bounded by the request timeout; one event's cancellation must not cancel it for the others.
            if (await _cache.GetAsync(candidate, LookupAsync).WaitAsync(cancellationToken) is { } answer) return answer.Contact;
        }
        return null;
    }

    /// <returns>How many labels the longest suffix with a known server has, or null when none has one.</returns>
    int? Suffix(string[] labels)
    {
        for (var start = 0; start < labels.Length; start++)
        {
            var suffix = string.Join('.', labels, start, labels.Length - start);
            if (_custom.ContainsKey(suffix) || _bootstrap.ContainsKey(suffix)) return labels.Length - start;
        }
        return null;
    }

    RdapServer Server(string name)
    {
        var suffix = name;
        while (true)
        {
            if (_custom.TryGetValue(suffix, out var custom)) return custom;
            if (_bootstrap.TryGetValue(suffix, out var url)) return new RdapServer(url, null);
            var dot = suffix.IndexOf('.');
            if (dot < 0) throw new LookupFailure($"no RDAP server for {name}");
            suffix = suffix[(dot + 1)..];
        }
    }

    /// <returns>The domain's answer, or null when the server does not know it (404).</returns>
    async Task<Answer?> LookupAsync(string name)
    {
        var server = Server(name);
        var url = new Uri(server.BaseUrl, "domain/" + name);
        var response = await _client.GetAsync(url, server.Authorization, "application/rdap+json, application/json");
        if (response.Status == (int)HttpStatusCode.NotFound) return null;
        if (response.Status != (int)HttpStatusCode.OK) throw new LookupFailure($"{url}: HTTP status code was {response.Status}");
        using var json = response.Json(url.ToString());
        if (json.RootElement.ValueKind != JsonValueKind.Object) throw new LookupFailure($"{url}: the answer is not an RDAP object");
        foreach (var role in _roles)
            if (Contact(json.RootElement, role, 0) is { } contact) return new Answer(contact);
        return new Answer(null);
    }

    /// <summary>The e-mail address of the first entity (under this object, depth first) holding the role.</summary>
    static string? Contact(JsonElement owner, string role, int depth)
    {
        if (depth >= MaxEntityDepth || !owner.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Array) return null;
        foreach (var entity in entities.EnumerateArray())
        {
            if (entity.ValueKind != JsonValueKind.Object) continue; // registries send null entries
            if (HasRole(entity, role) && Email(entity) is { } email) return email;
            if (Contact(entity, role, depth + 1) is { } nested) return nested;
        }
        return null;
    }

    static bool HasRole(JsonElement entity, string role)
    {
        if (!entity.TryGetProperty("roles", out var roles) || roles.ValueKind != JsonValueKind.Array) return false;
        foreach (var r in roles.EnumerateArray())
            if (r.ValueKind == JsonValueKind.String && string.Equals(r.GetString(), role, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>The entity's vCard (jCard, RFC 7095) e-mail: vcardArray = ["vcard", [["email", {}, "text", "a@b"], ...]].</summary>
    static string? Email(JsonElement entity)
    {
        if (!entity.TryGetProperty("vcardArray", out var card) || card.ValueKind != JsonValueKind.Array || card.GetArrayLength() < 2
            || card[1].ValueKind != JsonValueKind.Array) return null;
        foreach (var property in card[1].EnumerateArray())
            if (property.ValueKind == JsonValueKind.Array && property.GetArrayLength() >= 4
                && property[0].ValueKind == JsonValueKind.String && string.Equals(property[0].GetString(), "email", StringComparison.OrdinalIgnoreCase)
                && property[3].ValueKind == JsonValueKind.String && property[3].GetString() is { } email && email.Contains('@'))
                return email.Trim();
        return null;
    }

    static RdapServer CustomServer(string suffix, string value)
    {
        string Refuse(string why) => throw new ConfigurationException($"{Program}: option 'rdap_bootstrapped_servers', '{suffix}': {why}.");
        string url = value;
        AuthenticationHeaderValue? authorization = null;
        if (value.TrimStart().StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(value);
                var root = json.RootElement;
                url = root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : Refuse("give a \"url\"");
                if (root.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.Object)
                {
                    var type = auth.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    var token = auth.TryGetProperty("token", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                    if (type != "jwt" || string.IsNullOrEmpty(token)) Refuse("auth must be {\"type\": \"jwt\", \"token\": \"...\"}");
                    authorization = new AuthenticationHeaderValue("Bearer", token);
                }
            }
            catch (JsonException ex)
            {
                Refuse($"not a URL or a JSON object: {ex.Message}");
            }
        }
        // IntelMQ's examples leave the scheme out: "rdap.server.at/v1/".
        if (!url.Contains("://", StringComparison.Ordinal)) url = "https://" + url;
        return Uri.TryCreate(RdapBootstrap.WithSlash(url), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new RdapServer(uri, authorization) : throw new ConfigurationException($"{Program}: option 'rdap_bootstrapped_servers', '{suffix}': '{url}' is not an http(s) URL.");
    }

    public ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>(_bootstrapPath is null
            ? [$"no bootstrap file; custom servers for {string.Join(", ", _custom.Keys.Order(StringComparer.Ordinal))}"]
            : DataFileReport.Describe("bootstrap_file", _bootstrapPath, _bootstrap.Count, "domain suffixes with an RDAP server", _clock));

    internal static string? BootstrapPath(RdapExpertOptions options, ProgramContext context) =>
        options.BootstrapFile.Length > 0 ? options.BootstrapFile : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;

    public void Dispose() => _client.Dispose();

    sealed record RdapServer(Uri BaseUrl, AuthenticationHeaderValue? Authorization);

    /// <summary>A registered domain's contact, null when the answer names none of the roles with an address.</summary>
    sealed record Answer(string? Contact);
}
