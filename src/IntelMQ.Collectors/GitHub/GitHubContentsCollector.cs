using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.GitHub;

/// <summary>
/// Walks a GitHub repository through the contents API and hands on every file whose path matches regex as one
/// report, with the file's download URL as feed.url. The git blob sha of each file handed on is the state, stored
/// with its report, so an unchanged file is not sent again.
/// </summary>
[Program("github-contents-collector", ProgramKind.Collector, "Collects the files of a GitHub repository whose path matches a regex, each changed file as one report.",
    Modules = ["intelmq.bots.collectors.github_api.collector_github_contents_api"],
    Options = typeof(GitHubContentsCollectorOptions),
    Description = """
        Every run lists the repository through GitHub's contents API (GET repos/REPOSITORY/contents/PATH under
        api_url, directories followed), and downloads every file whose path matches regex (a search: .*.json
        matches any path with json in it after a first character) from its download_url. Each becomes one report
        with feed.url its download URL, the URL IntelMQ's github_feed parser recognises the feed by, and with
        extra_fields the named fields of the file's listing in custom.file_metadata (IntelMQ's
        extra.file_metadata). The sha of each file handed on is stored with its report once it is handed on, so
        a file comes again only when its content changed, and a crash repeats at most the file in hand. Files
        gone from the repository are forgotten. The token, when given, is sent with every request; GitHub
        refuses more than 60 requests an hour without one (403 or 429, which waits for the next run or is
        retried with backoff).
        """,
    FieldsWritten = ["feed.url", "custom.file_metadata"],
    Examples = [
        "intelmq run github-contents-collector --set repository=StrangerealIntel/DailyIOC --set regex='.*\\.json$' --set personal_access_token=TOKEN --set name='Strangereal Intel DailyIOC' --output file:reports.jsonl",
        "intelmq run intelmq.bots.collectors.github_api.collector_github_contents_api --config github.yaml --daemon",
    ])]
public sealed class GitHubContentsCollector : ICollector, IDisposable
{
    const string ShasKey = "shas";
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;
    static readonly string MetadataField = DhoMapping.ToIdf("extra.file_metadata")!;

    readonly GitHubContentsCollectorOptions _options;
    readonly ProgramContext _context;
    readonly string _name;
    readonly Secret? _token;
    readonly Uri _contents;
    readonly Regex _regex;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No or a malformed repository, a regex that does not compile, or a malformed api_url.</exception>
    public GitHubContentsCollector(GitHubContentsCollectorOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "github-contents-collector";
        if (options.Repository?.Trim('/') is not { } repository || repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            throw new ConfigurationException($"{_name}: option 'repository' must be a GitHub repository as owner/name, e.g. StrangerealIntel/DailyIOC; got '{options.Repository}'.");
        try
        {
            _regex = new Regex(options.Regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"{_name}: option 'regex' is not a regular expression: {ex.Message}");
        }
        var url = options.ApiUrl.EndsWith('/') ? options.ApiUrl : options.ApiUrl + "/";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: option 'api_url' must be an http(s) URL, e.g. https://api.github.com/; got '{options.ApiUrl}'.");
        _contents = new Uri(api, $"repos/{repository}/contents/");
        _token = options.PersonalAccessToken is { IsEmpty: false } token ? token : null;
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = new List<JsonObject>();
        await ListAsync("", files, cancellationToken);
        var stored = Shas(state.Get(ShasKey));
        var listed = files.Select(f => (string)f["path"]!).ToHashSet(StringComparer.Ordinal);
        var shas = new SortedDictionary<string, string>(stored.Where(s => listed.Contains(s.Key)).ToDictionary(), StringComparer.Ordinal);
        var changed = files.Where(f => _regex.IsMatch((string)f["path"]!) && (!shas.TryGetValue((string)f["path"]!, out var sha) || sha != f["sha"]?.ToString())).ToList();
        _context.Log.LogInformation("{Url}: {Files} files, {Changed} matching and new or changed", _contents, files.Count, changed.Count);
        foreach (var file in changed)
        {
            var path = (string)file["path"]!;
            if (file["download_url"]?.ToString() is not { Length: > 0 } link || !Uri.TryCreate(_contents, link, out var download))
            {
                _context.Log.LogWarning("{Url}: {Path} has no download_url, left out", _contents, path);
                continue;
            }
            var body = TemporaryFile.Create("github");
            try
            {
                using var response = await _http.SendAsync(() => Request(download), cancellationToken);
                await _http.CopyBodyAsync(response, body, null, cancellationToken);
            }
            catch
            {
                body.Dispose();
                throw;
            }
            body.Position = 0;
            shas[path] = file["sha"]?.ToString() ?? "";
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, download.ToString());
            if (Metadata(file) is { Count: > 0 } metadata) report.Add(MetadataField, metadata);
            yield return new CollectedReport(report, body)
            {
                Checkpoint = new Dictionary<string, string?> { [ShasKey] = JsonSerializer.Serialize(shas) },
                Origin = $"{_options.Repository} {path}",
            };
        }
    }

    async Task ListAsync(string directory, List<JsonObject> files, CancellationToken cancellationToken)
    {
        var url = new Uri(_contents, string.Join('/', directory.Split('/').Select(Uri.EscapeDataString)));
        using var response = await _http.SendAsync(() => Request(url), cancellationToken);
        var answer = await _http.ReadJsonNodeAsync(response, cancellationToken);
        // A path naming a file answers one object; a directory a list.
        var entries = answer switch
        {
            JsonArray list => list.OfType<JsonObject>().ToList(),
            JsonObject one => [one],
            _ => throw new IOException($"{url}: expected a directory listing, got {answer?.GetValueKind().ToString() ?? "null"}"),
        };
        foreach (var entry in entries)
        {
            if (entry["path"]?.ToString() is not { Length: > 0 } path) continue;
            switch (entry["type"]?.ToString())
            {
                case "file":
                    files.Add(entry);
                    break;
                case "dir":
                    await ListAsync(path, files, cancellationToken);
                    break;
            }
        }
    }

    HttpRequestMessage Request(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.github+json");
        if (_token is { } token) request.Headers.TryAddWithoutValidation("Authorization", "token " + token.Reveal());
        return request;
    }

    JsonObject Metadata(JsonObject file)
    {
        var metadata = new JsonObject();
        foreach (var field in _options.ExtraFields)
            if (file[field] is { } value) metadata[field] = value.DeepClone();
        return metadata;
    }

    static Dictionary<string, string> Shas(string? stored)
    {
        if (stored is not { Length: > 0 }) return [];
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(stored) ?? [];
        }
        catch (JsonException)
        {
            // A damaged state forgets: the files come again rather than never.
            return [];
        }
    }

    public void Dispose() => _http.Dispose();
}
