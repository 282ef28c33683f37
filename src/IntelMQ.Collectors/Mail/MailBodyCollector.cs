using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>Collects the text bodies of unread mails in an IMAP folder; a mail is marked seen (or moved) once its reports are handed on.</summary>
[Program("mail-body-collector", ProgramKind.Collector, "Collects the text bodies of unread mails over IMAP, one report per body.",
    Modules = ["intelmq.bots.collectors.mail.collector_mail_body"],
    Options = typeof(MailBodyCollectorOptions),
    Description = """
        Every run logs into the IMAP mailbox and reads the unread mails of folder (from sent_from, to sent_to, with a
        subject in which subject_regex finds something) without marking them. Every non-empty text body of a subtype
        in content_types (text/plain and text/html by default) that is not an attachment is a report, with
        custom.email_date, email_subject, email_from and email_message_id. Only once every report of a mail is handed
        on is the mail marked seen, or moved to move_to. feed.* come from name, provider, accuracy, code and
        documentation (docs/collectors.md).
        """,
    FieldsWritten = ["custom.email_date", "custom.email_subject", "custom.email_from", "custom.email_message_id"],
    Examples = [
        "intelmq run mail-body-collector --set mail_host=imap.example.org --set mail_user=feeds --set mail_password=SECRET --set content_types=plain --set sent_from=reports@example.org --output file:reports.jsonl",
    ])]
public sealed class MailBodyCollector : ICollector
{
    readonly MailBodyCollectorOptions _options;
    readonly Regex? _subject;
    readonly HashSet<string> _types;
    readonly string _name;

    /// <exception cref="ConfigurationException">No mail_host or mail_user, or a regular expression that does not compile.</exception>
    public MailBodyCollector(MailBodyCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "mail-body-collector";
        ImapMailbox.Check(options, _name);
        _options = options;
        _subject = MailRun.Pattern(options.SubjectRegex, "subject_regex", _name);
        _types = options.ContentTypes.Trim().ToLowerInvariant() is "true" or "false" or "null" or "" ? ["plain", "html"]
            : options.ContentTypes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToHashSet();
    }

    public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
        MailRun.CollectAsync(_options, _subject, _name, "no text body of content_types", Bodies, cancellationToken);

    Task<List<MailPart>> Bodies(MimeMessage message, string origin, CancellationToken cancellationToken)
    {
        var parts = new List<MailPart>();
        foreach (var body in message.BodyParts.OfType<TextPart>())
            if (!body.IsAttachment && _types.Contains(body.ContentType.MediaSubtype.ToLowerInvariant()) && body.Text is { } text && text.Trim().Length > 0)
                parts.Add(new MailPart(MailReport.For(message), new MemoryStream(Encoding.UTF8.GetBytes(text)), $"{origin}, text/{body.ContentType.MediaSubtype.ToLowerInvariant()} body"));
        return Task.FromResult(parts);
    }
}
