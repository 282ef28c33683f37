using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using IntelMQ.Collectors.Archives;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Azure;

/// <summary>
/// Lists an Azure Blob Storage container over REST (Shared Key or SAS) and hands on every blob it has not handed on
/// in this version, remembered by ETag once handed on and forgotten once no longer listed.
/// </summary>
[Program("azure-collector", ProgramKind.Collector, "Collects the new and changed blobs of an Azure Blob Storage container, one report per blob.",
    Modules = ["intelmq.bots.collectors.microsoft.collector_azure"],
    Options = typeof(AzureCollectorOptions),
    Description = """
        Every run lists the blobs of container_name (List Blobs, following NextMarker) and downloads each blob whose
        ETag differs from the one stored for it, oldest first: one report per blob, named in custom.file_name, with
        feed.url the blob's URL; a gzip (Microsoft's CTIP blobs), zip or tar blob is unpacked, one report per file.
        The blob's ETag is stored only once its report is handed on, so a crash sends it again and a blob that
        changed is sent again; the ETags of blobs no longer listed are forgotten, so the state holds one per blob
        in the container. Requests are signed with Shared Key (AccountName and AccountKey of connection_string,
        per Microsoft's "Authorize with Shared Key") or carry its SharedAccessSignature. IntelMQ's redis_cache_*
        parameters are accepted and not used: the state store takes the place of IntelMQ's Redis cache. feed.* come
        from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url", "custom.file_name"],
    Examples = [
        "intelmq run azure-collector --set connection_string='DefaultEndpointsProtocol=https;AccountName=ACCOUNT;AccountKey=KEY;EndpointSuffix=core.windows.net' --set container_name=ctip-infected-summary --output file:reports.jsonl",
    ])]
public sealed class AzureCollector : ICollector, IDisposable
{
    const string ApiVersion = "2021-08-06";
    const string MarksKey = "blobs";
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly string _name;
    readonly string _account;
    readonly byte[]? _key;
    readonly string? _sas;
    readonly Uri _container;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;

    /// <exception cref="ConfigurationException">No container_name, or a connection string without an account key or SAS.</exception>
    public AzureCollector(AzureCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "azure-collector";
        if (options.ContainerName is not { Length: > 0 } container)
            throw new ConfigurationException($"{_name}: option 'container_name' is missing: the container to collect, e.g. --set container_name=ctip-c2");
        var parts = (options.ConnectionString?.Reveal() ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        _account = parts.GetValueOrDefault("AccountName") ?? "";
        if (parts.TryGetValue("AccountKey", out var key))
        {
            try
            {
                _key = Convert.FromBase64String(key);
            }
            catch (FormatException)
            {
                throw new ConfigurationException($"{_name}: the connection string's AccountKey is not base64.");
            }
        }
        _sas = parts.GetValueOrDefault("SharedAccessSignature")?.TrimStart('?');
        if (_key is null && _sas is null)
            throw new ConfigurationException($"{_name}: connection_string needs AccountName and AccountKey, or SharedAccessSignature (as the Azure portal shows it under Access keys or Shared access signature).");
        if (_key is not null && _account.Length == 0)
            throw new ConfigurationException($"{_name}: connection_string has an AccountKey but no AccountName.");
        var endpoint = parts.GetValueOrDefault("BlobEndpoint")
            ?? (_account.Length > 0 ? $"{parts.GetValueOrDefault("DefaultEndpointsProtocol") ?? "https"}://{_account}.blob.{parts.GetValueOrDefault("EndpointSuffix") ?? "core.windows.net"}" : null);
        if (endpoint is null || !Uri.TryCreate(endpoint.TrimEnd('/') + "/" + Uri.EscapeDataString(container), UriKind.Absolute, out var containerUri))
            throw new ConfigurationException($"{_name}: connection_string gives no blob endpoint: add AccountName or BlobEndpoint.");
        _container = containerUri;
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var blobs = new List<(string Name, string ETag, DateTimeOffset Modified)>();
        string? marker = null;
        do
        {
            var query = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["comp"] = "list", ["restype"] = "container" };
            if (marker is { Length: > 0 }) query["marker"] = marker;
            using var response = await _http.SendAsync(() => Request(_container, query), cancellationToken);
            var listing = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var blob in listing.Descendants("Blob"))
            {
                var properties = blob.Element("Properties");
                blobs.Add(((string?)blob.Element("Name") ?? "", (string?)properties?.Element("Etag") ?? "",
                    DateTimeOffset.TryParse((string?)properties?.Element("Last-Modified"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : DateTimeOffset.MinValue));
            }
            marker = (string?)listing.Root?.Element("NextMarker");
        }
        while (marker is { Length: > 0 });

        var marks = new ListedMarks(state, MarksKey, blobs.Select(b => b.Name).ToHashSet(StringComparer.Ordinal));
        var fresh = blobs.Where(b => b.Name.Length > 0 && !marks.Has(b.Name, b.ETag)).OrderBy(b => b.Modified).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();
        if (fresh.Count == 0 && marks.Forgotten > 0)
            yield return new CollectedReport(new Event(MessageKind.Report), Stream.Null)
            {
                Checkpoint = marks.Checkpoint(), Origin = $"{_container} ({marks.Forgotten} blob(s) no longer listed, their marks forgotten)",
            };
        foreach (var (name, etag, _) in fresh)
        {
            var url = new Uri(_container + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString)));
            var download = TemporaryFile.Create("azure-blob");
            try
            {
                using var response = await _http.SendAsync(() => Request(url, new SortedDictionary<string, string>(StringComparer.Ordinal)), cancellationToken);
                await _http.CopyBodyAsync(response, download, null, cancellationToken);
                download.Position = 0;
            }
            catch
            {
                await download.DisposeAsync();
                throw;
            }
            var members = ReportArchive.Extract(download, name.Split('/')[^1], _ => true);
            _context.Log.LogInformation("{Url}: {Count} reports", url, members.Count);
            try
            {
                for (var i = 0; i < members.Count; i++)
                {
                    var report = new Event(MessageKind.Report);
                    report.TryAdd(FeedUrlField, url.ToString());
                    if (members[i].Name.Length > 0) report.Add(FileNameField, members[i].Name);
                    yield return new CollectedReport(report, members[i].Content ?? Stream.Null)
                    {
                        Checkpoint = i == members.Count - 1 ? marks.With(name, etag) : new Dictionary<string, string?>(),
                        Origin = members.Count == 1 ? url.ToString() : $"{url} ({members[i].Name})",
                        Error = members[i].Error,
                    };
                }
            }
            finally
            {
                foreach (var member in members) member.Dispose();
            }
        }
    }

    HttpRequestMessage Request(Uri resource, SortedDictionary<string, string> query)
    {
        var parameters = string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        if (_key is null) parameters = parameters.Length == 0 ? _sas! : $"{parameters}&{_sas}";
        var request = new HttpRequestMessage(HttpMethod.Get, parameters.Length == 0 ? resource : new Uri($"{resource}?{parameters}"));
        var date = _context.Clock.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
        if (_key is not null)
            request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {_account}:{Signature("GET", resource.AbsolutePath, query, date)}");
        return request;
    }

    // Microsoft's "Authorize with Shared Key" for the Blob service: twelve standard header lines (all empty for a
    // plain GET), the x-ms- headers, then /account/path and the query parameters sorted, one per line.
    string Signature(string verb, string path, SortedDictionary<string, string> query, string date)
    {
        var text = new StringBuilder(verb).Append('\n', 12)
            .Append("x-ms-date:").Append(date).Append('\n')
            .Append("x-ms-version:").Append(ApiVersion).Append('\n')
            .Append('/').Append(_account).Append(path);
        foreach (var (name, value) in query) text.Append('\n').Append(name.ToLowerInvariant()).Append(':').Append(value);
        return Convert.ToBase64String(HMACSHA256.HashData(_key!, Encoding.UTF8.GetBytes(text.ToString())));
    }

    public void Dispose() => _http.Dispose();
}
