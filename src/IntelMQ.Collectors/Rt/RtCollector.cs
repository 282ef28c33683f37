using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Collectors.Archives;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Rt;

/// <summary>
/// Searches Request Tracker (REST 1.0) for tickets, hands on each ticket's attachment or the file its text links to,
/// and only then takes the ticket and sets its status, so a ticket whose reports were not handed on is found again.
/// </summary>
[Program("rt-collector", ProgramKind.Collector, "Collects reports from Request Tracker tickets (attachments or linked downloads); takes and updates a ticket only once they are handed on.",
    Modules = ["intelmq.bots.collectors.rt.collector_rt"],
    Options = typeof(RtCollectorOptions),
    Description = """
        Every run searches RT's REST 1.0 interface (uri, logging in as user with password on every request) for the
        tickets of search_queue with search_status, search_owner, search_requestor, a subject LIKE
        search_subject_like and created within search_not_older_than, oldest first. Of each ticket, the first
        attachment whose name matches attachment_regex is the report (unpacked into one report per file with
        extract_attachment); without one, the first URL in the ticket's history that matches url_regex is downloaded
        (unpacked with extract_download) with the HTTP parameters. Every report carries rtir_id (the ticket number)
        and custom.file_name; a download also feed.url. Only once every report of a ticket is handed on is the ticket
        taken (take_ticket) and its status set (set_status): the ticket is the state, so a crash or a failed hand-off
        leaves it as it was and the next run collects it again; without set_status and take_ticket it is collected
        every run. A ticket with neither a matching attachment nor a URL is logged and left alone. feed.* come from
        name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["rtir_id", "custom.file_name", "feed.url"],
    Examples = [
        "intelmq run rt-collector --set uri=https://rt.example/REST/1.0 --set user=intelmq --set password=PASSWORD --set search_queue='Incident Reports' --set search_requestor=autoreports@shadowserver.org --set attachment_regex='\\.csv\\.zip$' --set extract_attachment=true --output file:reports.jsonl",
    ])]
public sealed partial class RtCollector : ICollector, IDisposable
{
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;
    static readonly string TicketField = DhoMapping.ToIdf("rtir_id")!;

    readonly string _name;
    readonly string _uri;
    readonly string _user;
    readonly Secret _password;
    readonly RtCollectorOptions _options;
    readonly TimeSpan? _notOlderThan;
    readonly DateTimeOffset? _notBefore;
    readonly Regex? _attachment;
    readonly Regex? _url;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;

    /// <exception cref="ConfigurationException">No user or password, a malformed uri or regular expression, or a search_not_older_than that is no time.</exception>
    public RtCollector(RtCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _options = options;
        _name = context.Id is { Length: > 0 } id ? id : "rt-collector";
        if (!System.Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: uri '{options.Uri}' is not an http(s) URL, e.g. https://rt.example/REST/1.0");
        _uri = options.Uri.TrimEnd('/');
        if (options.User is not { Length: > 0 } user || options.Password is not { IsEmpty: false } password)
            throw new ConfigurationException($"{_name}: give user and password, the RT account to log in with.");
        _user = user;
        _password = password;
        if (options.AttachmentRegex is not { Length: > 0 } && options.UrlRegex is not { Length: > 0 })
            throw new ConfigurationException($"{_name}: give attachment_regex, url_regex or both: what of a ticket is the report.");
        _attachment = Pattern(options.AttachmentRegex, "attachment_regex");
        _url = Pattern(options.UrlRegex, "url_regex");
        if (options.SearchNotOlderThan is { Length: > 0 } age)
        {
            if (RelativeTime().Match(age.Trim()) is { Success: true } m)
                _notOlderThan = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value.ToLowerInvariant()[..2] switch
                {
                    "mi" => TimeSpan.FromMinutes(1), "ho" => TimeSpan.FromHours(1), "da" => TimeSpan.FromDays(1), "we" => TimeSpan.FromDays(7), _ => TimeSpan.FromDays(30),
                };
            else if (DateTimeOffset.TryParse(age, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)) _notBefore = date;
            else throw new ConfigurationException($"{_name}: search_not_older_than '{age}' is neither a relative time (\"3 days\", \"12 hours\") nor a date.");
        }
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    Regex? Pattern(string? pattern, string option)
    {
        if (pattern is not { Length: > 0 }) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"{_name}: {option} is not a regular expression: {ex.Message}");
        }
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = Encoding.UTF8.GetString(await RequestAsync("search/ticket", [("query", Query()), ("orderby", "+Created"), ("format", "s")], cancellationToken));
        var tickets = TicketLine().Matches(found).Select(m => m.Groups[1].Value).ToList();
        _context.Log.LogInformation("{Uri}: {Count} tickets found", _uri, tickets.Count);
        foreach (var ticket in tickets)
        {
            var (members, url) = await ReportsOfAsync(ticket, cancellationToken);
            if (members.Count == 0)
            {
                _context.Log.LogWarning("{Uri}: ticket {Ticket} has no attachment matching attachment_regex nor a URL matching url_regex; left alone", _uri, ticket);
                continue;
            }
            try
            {
                for (var i = 0; i < members.Count; i++)
                {
                    var report = new Event(MessageKind.Report);
                    report.Add(TicketField, long.Parse(ticket, CultureInfo.InvariantCulture));
                    if (url is not null) report.TryAdd(FeedUrlField, url);
                    if (members[i].Name.Length > 0) report.Add(FileNameField, members[i].Name);
                    yield return new CollectedReport(report, members[i].Content ?? Stream.Null)
                    {
                        Commit = i == members.Count - 1 ? ct => UpdateAsync(ticket, ct) : null,
                        Origin = $"{_uri} ticket {ticket} ({members[i].Name})",
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

    string Query()
    {
        var terms = new List<string>();
        void Term(string field, string op, string? value)
        {
            if (value is { Length: > 0 }) terms.Add($"{field} {op} '{value.Replace("\\", "\\\\").Replace("'", "\\'")}'");
        }
        Term("Queue", "=", _options.SearchQueue);
        Term("Status", "=", _options.SearchStatus);
        Term("Owner", "=", _options.SearchOwner);
        Term("Requestor", "=", _options.SearchRequestor);
        Term("Subject", "LIKE", _options.SearchSubjectLike);
        var since = _notBefore ?? (_notOlderThan is { } age ? _context.Clock.GetUtcNow() - age : null);
        if (since is { } time) Term("Created", ">", time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        return string.Join(" AND ", terms);
    }

    async Task<(List<ArchiveMember> Members, string? Url)> ReportsOfAsync(string ticket, CancellationToken cancellationToken)
    {
        if (_attachment is not null)
        {
            var listing = Encoding.UTF8.GetString(await RequestAsync($"ticket/{ticket}/attachments", [], cancellationToken));
            foreach (Match m in AttachmentLine().Matches(listing))
            {
                var name = m.Groups[2].Value.Trim();
                if (name == "(Unnamed)" || !_attachment.IsMatch(name)) continue;
                var content = await RequestAsync($"ticket/{ticket}/attachments/{m.Groups[1].Value}/content", [], cancellationToken);
                var body = new MemoryStream(content.Length >= 3 && content.AsSpan()[^3..].SequenceEqual("\n\n\n"u8) ? content[..^3] : content);
                return (_options.ExtractAttachment ? ReportArchive.Extract(body, name, _ => true) : [new ArchiveMember(name, body)], null);
            }
        }
        if (_url is null) return ([], null);
        var history = Encoding.UTF8.GetString(await RequestAsync($"ticket/{ticket}/history", [("format", "l")], cancellationToken));
        if (_url.Match(history) is not { Success: true } link) return ([], null);
        var url = link.Value;
        using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        var download = TemporaryFile.Create("rt-download");
        try
        {
            await _http.CopyBodyAsync(response, download, null, cancellationToken);
            download.Position = 0;
        }
        catch
        {
            await download.DisposeAsync();
            throw;
        }
        var fileName = response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"')
            ?? System.Uri.UnescapeDataString(new Uri(url).AbsolutePath.Split('/')[^1]);
        return (_options.ExtractDownload ? ReportArchive.Extract(download, fileName, _ => true) : [new ArchiveMember(fileName, download)], url);
    }

    async ValueTask UpdateAsync(string ticket, CancellationToken cancellationToken)
    {
        if (_options.TakeTicket)
            await RequestAsync($"ticket/{ticket}/take", [("content", $"Ticket: {ticket}\nAction: take\n")], cancellationToken);
        if (_options.SetStatus is { Length: > 0 } status)
            await RequestAsync($"ticket/{ticket}/edit", [("content", $"Status: {status}\n")], cancellationToken);
    }

    // REST 1.0 answers 200 on HTTP and puts its own status first: "RT/4.4.3 200 Ok", a blank line, then the content.
    async Task<byte[]> RequestAsync(string path, (string Name, string Value)[] fields, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("user", _user), new("pass", _password.Reveal()) };
        form.AddRange(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{_uri}/{path}") { Content = new FormUrlEncodedContent(form) }, cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var end = answer.AsSpan().IndexOf("\n\n"u8);
        var status = Encoding.UTF8.GetString(end < 0 ? answer : answer[..end]).Trim();
        if (!status.StartsWith("RT/", StringComparison.Ordinal) || status.Split(' ', 3) is not [_, "200", ..])
            throw new IOException($"{_uri}/{path}: RT answered '{status}'");
        return end < 0 ? [] : answer[(end + 2)..];
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^\s*(\d+)\s*(minutes?|hours?|days?|weeks?|months?)$", RegexOptions.IgnoreCase)]
    private static partial Regex RelativeTime();

    [GeneratedRegex(@"^(\d+): ", RegexOptions.Multiline)]
    private static partial Regex TicketLine();

    // "Attachments: 45: (Unnamed) (text/plain / 1.2k)," then one per line, indented.
    [GeneratedRegex(@"^(?:Attachments:)?\s*(\d+):\s*(.*?)\s*\([^()]*/[^()]*\),?\s*$", RegexOptions.Multiline)]
    private static partial Regex AttachmentLine();
}
