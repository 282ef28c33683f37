using System.Text.RegularExpressions;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>Downloads the URLs found in unread mails of an IMAP folder; a mail is marked seen (or moved) once its reports are handed on.</summary>
[Program("mail-url-collector", ProgramKind.Collector, "Downloads the URLs found in unread mails over IMAP, one report per download.",
    Modules = ["intelmq.bots.collectors.mail.collector_mail_url"],
    Options = typeof(MailUrlCollectorOptions),
    Description = """
        Every run logs into the IMAP mailbox and reads the unread mails of folder (from sent_from, to sent_to, with a
        subject in which subject_regex finds something) without marking them. Every match of url_regex in a mail's
        text body (plain, else HTML) is downloaded with the HTTP parameters (as the HTTP collector's) and is a report
        with feed.url, custom.file_name (from Content-Disposition or the URL) and custom.email_date, email_subject,
        email_from and email_message_id. A server that is down leaves the mail unread for the next run; a download
        refused (a 404 for an expired link) goes to the dump. With chunk_size a download is split at line ends into
        reports of at most that many bytes, each beginning with its first line with chunk_replicate_header (the
        default). Only once every report of a mail is handed on is the
        mail marked seen, or moved to move_to. feed.* come from name, provider, accuracy, code and documentation
        (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url", "custom.file_name", "custom.email_date", "custom.email_subject", "custom.email_from", "custom.email_message_id"],
    Examples = [
        "intelmq run mail-url-collector --set mail_host=imap.example.org --set mail_user=feeds --set mail_password=SECRET --set url_regex='https://dl\\.shadowserver\\.org/[a-zA-Z0-9?_-]*' --output file:reports.jsonl",
    ])]
public sealed class MailUrlCollector : ICollector, IDisposable
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly MailUrlCollectorOptions _options;
    readonly Regex? _subject;
    readonly Regex _url;
    readonly FeedHttpClient _http;
    readonly string _name;

    /// <exception cref="ConfigurationException">No mail_host or mail_user, a regular expression that does not compile, or an HTTP parameter that cannot work.</exception>
    public MailUrlCollector(MailUrlCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "mail-url-collector";
        ImapMailbox.Check(options, _name);
        _options = options;
        _subject = MailRun.Pattern(options.SubjectRegex, "subject_regex", _name);
        _url = MailRun.Pattern(options.UrlRegex, "url_regex", _name) ?? throw new ConfigurationException($"{_name}: url_regex must not be empty.");
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
        MailRun.CollectAsync(_options, _subject, _name, "no URL matches url_regex", Downloads, cancellationToken);

    async Task<List<MailPart>> Downloads(MimeMessage message, string origin, CancellationToken cancellationToken)
    {
        var parts = new List<MailPart>();
        var text = message.TextBody ?? message.HtmlBody ?? "";
        try
        {
            foreach (var url in _url.Matches(text).Select(m => m.Value).Distinct())
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) continue;
                var where = $"{origin}, {FeedHttpClient.Redacted(uri)}";
                try
                {
                    using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
                    var body = TemporaryFile.Create("download");
                    parts.Add(new MailPart(Report(message, url, response), body, where));
                    await _http.CopyBodyAsync(response, body, null, cancellationToken);
                    body.Position = 0;
                    if (_options.ChunkSize is { } chunkSize) await SplitAsync(parts, chunkSize, cancellationToken);
                }
                catch (IOException ex)
                {
                    parts.Add(new MailPart(Report(message, url, null), Stream.Null, where, ex));
                }
            }
        }
        catch
        {
            foreach (var part in parts) await part.Body.DisposeAsync();
            throw;
        }
        return parts;
    }

    /// <summary>Replaces the last part (a download) by its chunks, each on a file of its own.</summary>
    async Task SplitAsync(List<MailPart> parts, long chunkSize, CancellationToken cancellationToken)
    {
        var whole = parts[^1];
        parts.RemoveAt(parts.Count - 1);
        await using var body = whole.Body;
        var number = 0;
        foreach (var (chunk, _) in LineChunks.Split(body, chunkSize, _options.ChunkReplicateHeader))
        {
            var part = TemporaryFile.Create("chunk");
            parts.Add(new MailPart(whole.Report.Clone(), part, $"{whole.Origin} (part {++number})"));
            await chunk.CopyToAsync(part, cancellationToken);
            part.Position = 0;
        }
    }

    static Event Report(MimeMessage message, string url, HttpResponseMessage? response)
    {
        var disposition = response?.Content.Headers.ContentDisposition;
        var path = new Uri(url).AbsolutePath;
        var name = (disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"') is { Length: > 0 } given ? Path.GetFileName(given)
            : Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        var report = MailReport.For(message, name);
        report.TryAdd(FeedUrlField, url);
        return report;
    }

    public void Dispose() => _http.Dispose();
}
