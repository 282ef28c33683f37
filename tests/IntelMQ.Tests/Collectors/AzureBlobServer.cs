using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The part of Azure Blob Storage's REST API the collector uses, path-style as the Azurite emulator serves it: List
/// Blobs (two blobs a page, with NextMarker) and Get Blob, answering 403 to a request whose Shared Key signature
/// is not the one Microsoft's "Authorize with Shared Key" defines.
/// </summary>
public sealed class AzureBlobServer
{
    public const string Account = "devstoreaccount1", Container = "ctip-c2";
    public static readonly string Key = Convert.ToBase64String(Encoding.ASCII.GetBytes("azure-blob-test-account-key-0123"));

    public SortedDictionary<string, (string ETag, byte[] Content)> Blobs { get; } = new(StringComparer.Ordinal);

    public int Downloads { get; private set; }

    /// <summary>Runs as a blob's download is answered (with the blob's name), before the answer is sent.</summary>
    public Action<string>? Downloading { get; set; }

    public async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Authorization != $"SharedKey {Account}:{ExpectedSignature(request)}")
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("<Error><Code>AuthenticationFailed</Code></Error>");
            return;
        }
        var prefix = $"/{Account}/{Container}";
        if (request.Path == prefix && request.Query["comp"] == "list" && request.Query["restype"] == "container")
        {
            var names = Blobs.Keys.ToList();
            var start = request.Query["marker"] is { Count: 1 } marker ? names.IndexOf(marker.ToString()) : 0;
            var page = names.Skip(start).Take(2).Select(n => $"<Blob><Name>{n}</Name><Properties><Last-Modified>Mon, 01 Jan 2024 00:00:0{names.IndexOf(n)} GMT</Last-Modified><Etag>{Blobs[n].ETag}</Etag></Properties></Blob>");
            var next = start + 2 < names.Count ? names[start + 2] : "";
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ContainerName=\"{Container}\"><Blobs>{string.Concat(page)}</Blobs><NextMarker>{next}</NextMarker></EnumerationResults>");
            return;
        }
        if (request.Path.StartsWithSegments(prefix, out var rest) && Blobs.TryGetValue(Uri.UnescapeDataString(rest.Value!.TrimStart('/')), out var blob))
        {
            Downloads++;
            Downloading?.Invoke(Uri.UnescapeDataString(rest.Value!.TrimStart('/')));
            await context.Response.Body.WriteAsync(blob.Content);
            return;
        }
        context.Response.StatusCode = 404;
    }

    // Written from Microsoft's documentation, apart from the collector: verb, twelve header lines, x-ms- headers sorted, /account/path, query sorted.
    static string ExpectedSignature(HttpRequest request)
    {
        string Header(string name) => request.Headers[name].ToString();
        var lines = new List<string> { request.Method, Header("Content-Encoding"), Header("Content-Language"), Header("Content-Length") is "0" ? "" : Header("Content-Length"),
            Header("Content-MD5"), Header("Content-Type"), Header("Date"), Header("If-Modified-Since"), Header("If-Match"), Header("If-None-Match"), Header("If-Unmodified-Since"), Header("Range") };
        lines.AddRange(request.Headers.Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase)).OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(h => $"{h.Key.ToLowerInvariant()}:{h.Value}"));
        var resource = $"/{Account}{request.Path.ToUriComponent()}" + string.Concat(request.Query.OrderBy(q => q.Key.ToLowerInvariant(), StringComparer.Ordinal).Select(q => $"\n{q.Key.ToLowerInvariant()}:{q.Value}"));
        return Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(Key), Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n" + resource)));
    }

    public static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}
