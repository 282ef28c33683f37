using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// A TAXII 2.1 endpoint for tests, answering as the specification says: a discovery at /taxii2/, one API root at
/// /api1/ with one collection that serves the STIX objects of shared/data/stix in pages (limit, added_after, next,
/// more, X-TAXII-Date-Added-First/Last). It wants basic authentication (intelmq:secret) or a bearer token, and the
/// TAXII 2.1 media type in Accept.
/// </summary>
public sealed class TaxiiServer
{
    public const string CollectionId = "91a7b528-80eb-42ed-a74d-c6fbd5a26116", CollectionTitle = "STIX examples", Token = "taxii-token";
    const string MediaType = "application/taxii+json;version=2.1";
    static readonly DateTimeOffset Start = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

    readonly List<(DateTimeOffset Added, JsonObject Object)> _objects = [];

    public TaxiiServer()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Paths.Shared, "data", "stix"), "*.json").Order(StringComparer.Ordinal))
        foreach (var item in JsonNode.Parse(File.ReadAllText(file))!["objects"]!.AsArray())
            Add(item!.AsObject().DeepClone().AsObject());
    }

    /// <summary>Whether a page with more after it names the next (a server may leave it out: then added_after pages).</summary>
    public bool GivesNext { get; set; } = true;

    /// <summary>Called before a page of objects is answered.</summary>
    public Action? Paging { get; set; }

    /// <summary>The ids of every object served, in the order they were added.</summary>
    public IReadOnlyList<string> Ids => [.. _objects.Select(o => (string)o.Object["id"]!)];

    /// <summary>Adds an object to the collection, a second after the last.</summary>
    public void Add(JsonObject stix)
    {
        lock (_objects) _objects.Add((Start.AddSeconds(_objects.Count), stix));
    }

    static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public async Task AnswerAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("intelmq:secret")) && authorization != $"Bearer {Token}")
        {
            context.Response.StatusCode = 401;
            return;
        }
        if (!context.Request.Headers.Accept.ToString().Replace(" ", "").Contains(MediaType))
        {
            context.Response.StatusCode = 406;
            return;
        }
        var root = $"{context.Request.Scheme}://{context.Request.Host}/";
        JsonObject? answer = context.Request.Path.Value switch
        {
            "/taxii2/" => new JsonObject { ["title"] = "Test TAXII", ["default"] = root + "api1/", ["api_roots"] = new JsonArray(root + "api1/") },
            "/api1/" => new JsonObject { ["title"] = "API root 1", ["versions"] = new JsonArray(MediaType), ["max_content_length"] = 10_485_760 },
            "/api1/collections/" => new JsonObject
            {
                ["collections"] = new JsonArray(new JsonObject
                {
                    ["id"] = CollectionId, ["title"] = CollectionTitle, ["can_read"] = true, ["can_write"] = false,
                    ["media_types"] = new JsonArray("application/stix+json;version=2.1"),
                }),
            },
            $"/api1/collections/{CollectionId}/objects/" => Page(context),
            _ => null,
        };
        if (answer is null)
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = MediaType;
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    JsonObject Page(HttpContext context)
    {
        Paging?.Invoke();
        var query = context.Request.Query;
        var after = query.TryGetValue("added_after", out var a) ? DateTimeOffset.Parse(a.ToString(), CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l.ToString(), CultureInfo.InvariantCulture) : 100;
        var offset = query.TryGetValue("next", out var n) ? int.Parse(n.ToString(), CultureInfo.InvariantCulture) : 0;
        List<(DateTimeOffset Added, JsonObject Object)> matching;
        lock (_objects) matching = [.. _objects.Where(o => o.Added > after)];
        var page = matching.Skip(offset).Take(limit).ToList();
        var more = offset + page.Count < matching.Count;
        if (page.Count > 0)
        {
            context.Response.Headers["X-TAXII-Date-Added-First"] = Format(page[0].Added);
            context.Response.Headers["X-TAXII-Date-Added-Last"] = Format(page[^1].Added);
        }
        var envelope = new JsonObject { ["more"] = more };
        if (more && GivesNext) envelope["next"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
        if (page.Count > 0) envelope["objects"] = new JsonArray([.. page.Select(p => (JsonNode)p.Object.DeepClone())]);
        return envelope;
    }
}
