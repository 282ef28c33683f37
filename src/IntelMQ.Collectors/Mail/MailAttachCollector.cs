using System.Text.RegularExpressions;
using IntelMQ.Collectors.Archives;
using IntelMQ.Contract;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>Collects the attachments of unread mails in an IMAP folder; a mail is marked seen (or moved) once its reports are handed on.</summary>
[Program("mail-attach-collector", ProgramKind.Collector, "Collects the attachments of unread mails over IMAP, one report per attachment or per file in it.",
    Modules = ["intelmq.bots.collectors.mail.collector_mail_attach"],
    Options = typeof(MailAttachCollectorOptions),
    Description = """
        Every run logs into the IMAP mailbox and reads the unread mails of folder (from sent_from, to sent_to, with a
        subject in which subject_regex finds something) without marking them. Each attachment whose file name
        attach_regex finds something in is a report, or, with extract_files (the default), every file of an
        attachment that is an archive (zip, gzip, tar, tar.gz); a corrupt file goes to the dump with its name, and so does an empty one unless allow_empty. Reports
        carry custom.file_name (the attachment's or the archive member's name) and custom.email_date, email_subject,
        email_from and email_message_id. Only once every report of a mail is handed on is the mail marked seen, or
        moved to move_to; a mail without a matching attachment is marked too. A crash in between sends that mail
        again. feed.* come from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["custom.file_name", "custom.email_date", "custom.email_subject", "custom.email_from", "custom.email_message_id"],
    Examples = [
        "intelmq run mail-attach-collector --set mail_host=imap.example.org --set mail_user=feeds --set mail_password=SECRET --set attach_regex='csv.zip' --set subject_regex='^\\[Shadowserver\\]' --set name=Shadowserver --output file:reports.jsonl",
    ])]
public sealed class MailAttachCollector : ICollector
{
    readonly MailAttachCollectorOptions _options;
    readonly Regex? _subject;
    readonly Regex _attachment;
    readonly string _name;

    /// <exception cref="ConfigurationException">No mail_host or mail_user, or a regular expression that does not compile.</exception>
    public MailAttachCollector(MailAttachCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "mail-attach-collector";
        ImapMailbox.Check(options, _name);
        _options = options;
        _subject = MailRun.Pattern(options.SubjectRegex, "subject_regex", _name);
        _attachment = MailRun.Pattern(options.AttachRegex, "attach_regex", _name) ?? new Regex("");
    }

    public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
        MailRun.CollectAsync(_options, _subject, _name, "no attachment matches attach_regex", Attachments, cancellationToken);

    async Task<List<MailPart>> Attachments(MimeMessage message, string origin, CancellationToken cancellationToken)
    {
        var parts = new List<MailPart>();
        foreach (var attachment in message.Attachments.OfType<MimePart>())
        {
            if (attachment.FileName is not { Length: > 0 } name || !_attachment.IsMatch(name) || attachment.Content is null) continue;
            var content = TemporaryFile.Create("attachment");
            await attachment.Content.DecodeToAsync(content, cancellationToken);
            content.Position = 0;
            var members = _options.ExtractFiles ? ReportArchive.Extract(content, name, _ => true) : [new ArchiveMember(name, content)];
            foreach (var member in members)
            {
                var where = member.Name == name ? $"{origin}, attachment {name}" : $"{origin}, attachment {name}, file {member.Name}";
                var error = member.Error ?? (!_options.AllowEmpty && member.Content is { CanSeek: true, Length: 0 }
                    ? new InvalidDataException($"{(member.Name == name ? "the attachment" : "the file")} is empty; allow_empty: true accepts empty attachments (they give no report)")
                    : null);
                parts.Add(new MailPart(MailReport.For(message, member.Name), member.Content ?? Stream.Null, where, error));
            }
        }
        return parts;
    }
}
