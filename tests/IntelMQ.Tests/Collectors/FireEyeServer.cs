using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The part of a FireEye (Trellix) appliance's Web Services API the collector uses, answering as its documentation
/// says: auth/login with HTTP basic authentication answers an X-FeApi-Token header that every other request must
/// carry; alerts?duration= lists alerts as JSON ({"alert": [...], "alertsCount": N}); openioc?alert_uuid= answers an
/// alert's OpenIOC 1.1 document as XML; auth/logout answers 204.
/// </summary>
public sealed class FireEyeServer
{
    public const string User = "api-analyst", Password = "fe-secret";
    const string Session = "V1.3.1d2e3f4a5b6c7d8e9f";
    static readonly string[] Durations = ["1_hour", "2_hours", "6_hours", "12_hours", "24_hours", "48_hours"];

    readonly List<(string Uuid, string Md5, string Host)> _alerts = [];
    int _busy, _logins, _logouts;

    /// <summary>Alerts whose OpenIOC the appliance refuses (404), as for an alert it has none for.</summary>
    public HashSet<string> WithoutIoc { get; } = [];

    /// <summary>Called before an OpenIOC document is answered.</summary>
    public Action? Fetching { get; set; }

    public int Logins => Volatile.Read(ref _logins);

    public int Logouts => Volatile.Read(ref _logouts);

    /// <summary>The next this many alert listings answer 503, as an appliance that is busy.</summary>
    public void Busy(int times) => Volatile.Write(ref _busy, times);

    public void AddAlert(string uuid, string md5, string host)
    {
        lock (_alerts) _alerts.Add((uuid, md5, host));
    }

    public async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (context.Request.Method == "POST" && path == "/wsapis/v2.0.0/auth/login")
        {
            if (context.Request.Headers.Authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")))
            {
                context.Response.StatusCode = 401;
                return;
            }
            Interlocked.Increment(ref _logins);
            context.Response.Headers["X-FeApi-Token"] = Session;
            return;
        }
        // A token only: the password belongs to the login.
        if (context.Request.Headers["X-FeApi-Token"] != Session || context.Request.Headers.Authorization.Count > 0)
        {
            context.Response.StatusCode = 401;
            return;
        }
        switch (context.Request.Method, path)
        {
            case ("POST", "/wsapis/v2.0.0/auth/logout"):
                Interlocked.Increment(ref _logouts);
                context.Response.StatusCode = 204;
                return;
            case ("GET", "/wsapis/v2.0.0/alerts"):
                if (Interlocked.Decrement(ref _busy) >= 0)
                {
                    context.Response.StatusCode = 503;
                    return;
                }
                if (!Durations.Contains(context.Request.Query["duration"].ToString()) || !context.Request.Headers.Accept.ToString().Contains("application/json"))
                {
                    context.Response.StatusCode = 400;
                    return;
                }
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(Alerts());
                return;
            case ("GET", "/wsapis/v2.0.0/openioc"):
                var uuid = context.Request.Query["alert_uuid"].ToString();
                (string Uuid, string Md5, string Host)? alert;
                lock (_alerts) alert = _alerts.FindIndex(a => a.Uuid == uuid) is var at and >= 0 ? _alerts[at] : null;
                if (alert is not { } found || WithoutIoc.Contains(uuid))
                {
                    context.Response.StatusCode = 404;
                    return;
                }
                Fetching?.Invoke();
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync(OpenIoc(found.Uuid, found.Md5, found.Host));
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    string Alerts()
    {
        lock (_alerts)
        {
            var alerts = _alerts.Select((a, i) => (JsonNode)new JsonObject
            {
                ["id"] = 27000 + i, ["uuid"] = a.Uuid, ["name"] = "MALWARE_OBJECT", ["severity"] = "MAJR", ["product"] = "MAS", ["occurred"] = "2021-01-05 13:19:06 +0000",
                ["explanation"] = new JsonObject
                {
                    ["malwareDetected"] = new JsonObject { ["malware"] = new JsonArray(new JsonObject { ["name"] = "Downloader.Emotet", ["md5Sum"] = a.Md5 }) },
                },
            });
            return new JsonObject
            {
                ["alert"] = new JsonArray([.. alerts]), ["alertsCount"] = _alerts.Count, ["appliance"] = "CMS", ["msg"] = "concise", ["version"] = "CMS (CMS) 9.0.2.929543",
            }.ToJsonString();
        }
    }

    /// <summary>An alert's indicator as the appliance writes it: the sample's hash, and the host it downloaded from.</summary>
    public static string OpenIoc(string uuid, string md5, string host) => $"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="1{md5[..8]}" last-modified="2021-01-05T13:23:08.181Z">
            <metadata>
                <short_description>New Malware-Object Indicator</short_description>
                <description>Downloader.Emotet</description>
                <links>
                    <link rel="uuid">{uuid}</link>
                    <link rel="alert_type">malware-object</link>
                </links>
            </metadata>
            <criteria>
                <Indicator id="2" operator="OR">
                    <IndicatorItem condition="is" id="3">
                        <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
                        <Content type="md5">{md5}</Content>
                    </IndicatorItem>
                    <Indicator id="4" operator="AND">
                        <IndicatorItem condition="is" id="5">
                            <Context document="Network" search="Network/HTTP/Host"/>
                            <Content type="string">{host}</Content>
                        </IndicatorItem>
                        <IndicatorItem condition="is" id="6">
                            <Context document="Network" search="Network/HTTP/RequestURI"/>
                            <Content type="string">/wp-content/n/</Content>
                        </IndicatorItem>
                    </Indicator>
                </Indicator>
            </criteria>
        </OpenIOC>
        """;
}
