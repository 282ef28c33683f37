using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Collectors.Archives;
using IntelMQ.Collectors.Azure;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Interflow;

/// <summary>
/// Lists the files Microsoft's Interflow API shares and hands on each new one (by name and modification time),
/// remembered once handed on until it leaves the listing or the window.
/// </summary>
[Program("interflow-collector", ProgramKind.Collector, "Collects the shared files of Microsoft's Interflow API (a retired service), one report per new file.",
    Modules = ["intelmq.bots.collectors.microsoft.collector_interflow"],
    Options = typeof(InterflowCollectorOptions),
    Description = """
        Microsoft has retired Interflow; its CTIP feeds are now served from Azure Blob Storage (azure-collector).
        This program remains for an installation that still has access to the API or a mirror of it. Every run
        lists the shared files (list_url, with api_key as Ocp-Apim-Subscription-Key), keeps those whose name matches
        file_match and that were modified within not_older_than, and downloads each not handed on before in this
        version (download_url with the file name): one report per file, named in custom.file_name, with feed.url
        the download URL; a gzip file (as CTIP's are) is unpacked. The file's modification time is stored once its
        report is handed on, and forgotten once the file is no longer listed or older than not_older_than, so the
        state holds one per file taken. IntelMQ's redis_cache_* parameters are accepted and not used: the state store takes
        the place of IntelMQ's Redis cache. feed.* come from name, provider, accuracy, code and documentation.
        """,
    FieldsWritten = ["feed.url", "custom.file_name"],
    Examples = [
        "intelmq run interflow-collector --set api_key=KEY --set file_match='^ctip_' --set not_older_than='2 days' --output file:reports.jsonl",
    ])]
public sealed partial class InterflowCollector : ICollector, IDisposable
{
    const string MarksKey = "files";
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly string _name;
    readonly Secret _apiKey;
    readonly Regex? _fileMatch;
    readonly TimeSpan? _notOlderThan;
    readonly DateTimeOffset? _notBefore;
    readonly string _listUrl;
    readonly string _downloadUrl;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;

    /// <exception cref="ConfigurationException">No api_key, a malformed file_match, or a not_older_than that is no time.</exception>
    public InterflowCollector(InterflowCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "interflow-collector";
        if (options.ApiKey is not { IsEmpty: false } key)
            throw new ConfigurationException($"{_name}: option 'api_key' is missing: your Interflow API key.");
        _apiKey = key;
        try
        {
            _fileMatch = options.FileMatch is { Length: > 0 } pattern ? new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null;
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"{_name}: file_match is not a regular expression: {ex.Message}");
        }
        if (options.NotOlderThan is { Length: > 0 } age)
        {
            if (RelativeTime().Match(age.Trim()) is { Success: true } m)
                _notOlderThan = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value.ToLowerInvariant()[..2] switch
                {
                    "mi" => TimeSpan.FromMinutes(1), "ho" => TimeSpan.FromHours(1), "da" => TimeSpan.FromDays(1), _ => TimeSpan.FromDays(7),
                };
            else if (DateTimeOffset.TryParse(age, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)) _notBefore = date;
            else throw new ConfigurationException($"{_name}: not_older_than '{age}' is neither a relative time (\"2 days\", \"12 hours\") nor a date.");
        }
        _listUrl = options.ListUrl;
        _downloadUrl = options.DownloadUrl;
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var since = _notBefore ?? (_notOlderThan is { } age ? _context.Clock.GetUtcNow() - age : DateTimeOffset.MinValue);
        var files = new List<(string Name, DateTimeOffset Modified, string Stamp)>();
        using (var response = await _http.SendAsync(() => Request(_listUrl), cancellationToken))
        using (var listing = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken)))
        {
            foreach (var file in listing.RootElement.ValueKind == JsonValueKind.Array ? listing.RootElement.EnumerateArray() : default)
            {
                var name = Property(file, "Name");
                var stamp = Property(file, "LastModified") ?? "";
                if (name is not { Length: > 0 } || _fileMatch?.IsMatch(name) == false) continue;
                var modified = DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var m) ? m : DateTimeOffset.MaxValue;
                if (modified >= since) files.Add((name, modified, stamp));
            }
        }
        // Only the files taken are fetched: a file out of the window or the listing cannot come again, nor its mark matter.
        var marks = new ListedMarks(state, MarksKey, files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal));
        var fresh = files.Where(f => !marks.Has(f.Name, f.Stamp)).OrderBy(f => f.Modified).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (fresh.Count == 0 && marks.Forgotten > 0)
            yield return new CollectedReport(new Event(MessageKind.Report), Stream.Null)
            {
                Checkpoint = marks.Checkpoint(), Origin = $"{_listUrl} ({marks.Forgotten} file(s) no longer listed or older than not_older_than, their marks forgotten)",
            };
        foreach (var (name, _, stamp) in fresh)
        {
            var url = _downloadUrl + Uri.EscapeDataString(name);
            var download = TemporaryFile.Create("interflow");
            try
            {
                using var response = await _http.SendAsync(() => Request(url), cancellationToken);
                await _http.CopyBodyAsync(response, download, null, cancellationToken);
                download.Position = 0;
            }
            catch
            {
                await download.DisposeAsync();
                throw;
            }
            var members = ReportArchive.Extract(download, name, _ => true);
            _context.Log.LogInformation("{Name}: {Count} reports", name, members.Count);
            try
            {
                for (var i = 0; i < members.Count; i++)
                {
                    var report = new Event(MessageKind.Report);
                    report.TryAdd(FeedUrlField, url);
                    if (members[i].Name.Length > 0) report.Add(FileNameField, members[i].Name);
                    yield return new CollectedReport(report, members[i].Content ?? Stream.Null)
                    {
                        Checkpoint = i == members.Count - 1 ? marks.With(name, stamp) : new Dictionary<string, string?>(),
                        Origin = $"{_downloadUrl}{name}",
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

    HttpRequestMessage Request(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Ocp-Apim-Subscription-Key", _apiKey.Reveal());
        return request;
    }

    static string? Property(JsonElement file, string name)
    {
        if (file.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in file.EnumerateObject())
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
        return null;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^\s*(\d+)\s*(minutes?|hours?|days?|weeks?)$", RegexOptions.IgnoreCase)]
    private static partial Regex RelativeTime();
}
