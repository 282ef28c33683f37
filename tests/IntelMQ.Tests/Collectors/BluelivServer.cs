using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// Blueliv's Crimeserver API as its Python SDK (MIT) uses it: GET /v1/crimeserver/{online,recent,last} with
/// Authorization: bearer TOKEN answers {"crimeServers": [...], "meta": {"updated", "nextUpdate", "totalSize"}}.
/// </summary>
public sealed class BluelivServer
{
    public const string Key = "blueliv-test-token";
    int _busy;

    /// <summary>What the API lists; a test changes it between runs.</summary>
    public JsonArray Servers { get; set; } = [Server("192.0.2.54", "MALWARE", "http://malware.example.com/uploads/invoice.pdf"), Server("198.51.100.7", "PHISHING", "http://bank.example.net/login/")];

    /// <summary>Called before a list is answered.</summary>
    public Action? Fetching { get; set; }

    /// <summary>The next this many requests answer 500, as a server in trouble.</summary>
    public void Busy(int times) => Volatile.Write(ref _busy, times);

    public static JsonObject Server(string ip, string type, string url) => new()
    {
        ["confidence"] = 4, ["country"] = "US", ["firstSeenAt"] = "2015-10-20T06:14:00+0000", ["ip"] = ip, ["lastSeenAt"] = "2015-12-09T04:43:29+0000",
        ["status"] = "ONLINE", ["type"] = type, ["updatedAt"] = "2015-12-09T04:45:53+0000", ["url"] = url,
    };

    public async Task AnswerAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization != "bearer " + Key)
        {
            context.Response.StatusCode = 401;
            return;
        }
        if (Interlocked.Decrement(ref _busy) >= 0)
        {
            context.Response.StatusCode = 500;
            return;
        }
        if (context.Request.Path.Value is not ("/v1/crimeserver/online" or "/v1/crimeserver/recent" or "/v1/crimeserver/last"))
        {
            context.Response.StatusCode = 404;
            return;
        }
        Fetching?.Invoke();
        var answer = new JsonObject
        {
            ["crimeServers"] = Servers.DeepClone(),
            ["meta"] = new JsonObject { ["updated"] = "2015-12-13T18:00:00+0000", ["nextUpdate"] = "2015-12-13T19:00:00+0000", ["totalSize"] = Servers.Count },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }
}
