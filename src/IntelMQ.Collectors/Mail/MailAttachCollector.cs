using System.Text.RegularExpressions;
using IntelMQ.Collectors.Archives;
using IntelMQ.Contract;
using MimeKit;
using MimeKit.Cryptography;

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
        again. With decrypt_openpgp every matching attachment is decrypted (its name kept), and a mail encrypted whole
        (PGP/MIME) is decrypted before its attachments are looked for, with the secret keys of openpgp_secret_key (an
        ASCII-armored export) unlocked by openpgp_passphrase; one that cannot be decrypted goes to the dump with the
        reason and its mail is marked. feed.* come from name, provider, accuracy, code and documentation
        (docs/collectors.md).
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
    readonly PgpDecryption? _decryption;
    readonly string _name;

    /// <exception cref="ConfigurationException">No mail_host or mail_user, a regular expression that does not compile, or decrypt_openpgp without a usable openpgp_secret_key.</exception>
    public MailAttachCollector(MailAttachCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "mail-attach-collector";
        ImapMailbox.Check(options, _name);
        _options = options;
        _subject = MailRun.Pattern(options.SubjectRegex, "subject_regex", _name);
        _attachment = MailRun.Pattern(options.AttachRegex, "attach_regex", _name) ?? new Regex("");
        if (!options.DecryptOpenpgp) return;
        if (options.OpenpgpSecretKey is not { Length: > 0 } key)
            throw new ConfigurationException(options.GpgHome is { Length: > 0 } home
                ? $"{_name}: gpg_home: GnuPG's key store is not read; export the key from it (`gpg --homedir {home} --export-secret-keys --armor KEYID > FILE`) and give --set openpgp_secret_key=FILE."
                : $"{_name}: decrypt_openpgp needs openpgp_secret_key, an ASCII-armored file of the secret key (`gpg --export-secret-keys --armor KEYID > FILE`).");
        _decryption = new PgpDecryption(key, options.OpenpgpPassphrase, _name);
    }

    public IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, CancellationToken cancellationToken) =>
        MailRun.CollectAsync(_options, _subject, _name, "no attachment matches attach_regex", Attachments, cancellationToken);

    async Task<List<MailPart>> Attachments(MimeMessage message, string origin, CancellationToken cancellationToken)
    {
        var parts = new List<MailPart>();
        IEnumerable<MimePart> attachments = message.Attachments.OfType<MimePart>();
        var decrypt = _decryption;
        if (_decryption is not null && message.Body is MultipartEncrypted { Count: 2 } encrypted && encrypted[1] is MimePart { Content: not null } sealedPart)
        {
            try
            {
                using var cipher = new MemoryStream();
                await sealedPart.Content.DecodeToAsync(cipher, cancellationToken);
                cipher.Position = 0;
                using var clear = new MemoryStream();
                _decryption.Decrypt(cipher, clear);
                clear.Position = 0;
                attachments = AttachmentsOf(await MimeEntity.LoadAsync(clear, cancellationToken));
                // What the encrypted mail held is clear now: its attachments are taken as they are.
                decrypt = null;
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException)
            {
                return [new MailPart(MailReport.For(message), Stream.Null, $"{origin} (PGP/MIME)", new InvalidDataException($"cannot decrypt the mail: {ex.Message}", ex))];
            }
        }
        foreach (var attachment in attachments)
        {
            if (attachment.FileName is not { Length: > 0 } name || !_attachment.IsMatch(name) || attachment.Content is null) continue;
            var content = TemporaryFile.Create("attachment");
            await attachment.Content.DecodeToAsync(content, cancellationToken);
            content.Position = 0;
            if (decrypt is not null)
            {
                var clear = TemporaryFile.Create("decrypted");
                try
                {
                    decrypt.Decrypt(content, clear);
                    clear.Position = 0;
                }
                catch (InvalidDataException ex)
                {
                    await clear.DisposeAsync();
                    parts.Add(new MailPart(MailReport.For(message, name), Stream.Null, $"{origin}, attachment {name}", new InvalidDataException($"cannot decrypt the attachment: {ex.Message}", ex)));
                    continue;
                }
                finally
                {
                    await content.DisposeAsync();
                }
                content = clear;
            }
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

    // The attachments of a decrypted PGP/MIME body, at any depth.
    static IEnumerable<MimePart> AttachmentsOf(MimeEntity entity) => entity switch
    {
        Multipart multipart => multipart.SelectMany(AttachmentsOf),
        MimePart { IsAttachment: true } part => [part],
        _ => [],
    };
}
