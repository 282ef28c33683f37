using IntelMQ.Contract;

namespace IntelMQ.Collectors.Mail;

/// <summary>Options of the mail attachment collector: IntelMQ's collector_mail_attach parameters.</summary>
public sealed record MailAttachCollectorOptions : MailParameters
{
    [Option("Attachments whose file name this regular expression finds something in are collected.")]
    public string AttachRegex { get; set; } = "csv.zip";

    [Option("Unpack an attachment that is an archive (zip, gzip, tar, tar.gz): every file in it is a report of its own.")]
    public bool ExtractFiles { get; set; } = true;

    [Option("Accept an empty attachment (or empty file in one): it gives no report. Without it an empty attachment goes to the dump as an error (IntelMQ stops on one).")]
    public bool AllowEmpty { get; set; }

    [Option("Decrypt the matching attachments, and mails encrypted whole (PGP/MIME), with the keys of openpgp_secret_key. An attachment that cannot be decrypted goes to the dump and its mail is marked.")]
    public bool DecryptOpenpgp { get; set; }

    [Option("The passphrase of openpgp_secret_key's keys.")]
    public Secret? OpenpgpPassphrase { get; set; }

    [Option("The secret keys to decrypt with, as an ASCII-armored file: `gpg --homedir GPG_HOME --export-secret-keys --armor KEYID > FILE`.")]
    public string? OpenpgpSecretKey { get; set; }

    [Option("IntelMQ's GnuPG home directory: its key store is not read; export the key from it into openpgp_secret_key.")]
    public string? GpgHome { get; set; }
}
