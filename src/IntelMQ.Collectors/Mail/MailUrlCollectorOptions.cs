using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Mail;

/// <summary>Options of the mail URL collector: IntelMQ's collector_mail_url parameters, the mailbox's and the HTTP ones for the downloads.</summary>
public sealed record MailUrlCollectorOptions : HttpParameters, IMailboxOptions
{
    [Option("The IMAP server's host name, e.g. imap.example.org.")]
    public string? MailHost { get; set; }

    [Option("The IMAP server's port; default 993 with mail_ssl, else 143.", Min = 1, Max = 65535)]
    public int? MailPort { get; set; }

    [Option("The mailbox's user name.")]
    public string? MailUser { get; set; }

    [Option("The mailbox's password.")]
    public Secret? MailPassword { get; set; }

    [Option("Connect with TLS from the start (IMAPS, port 993).")]
    public bool MailSsl { get; set; } = true;

    [Option("Without mail_ssl: upgrade the connection with STARTTLS before logging in.")]
    public bool MailStarttls { get; set; }

    [Option("A PEM file (or directory) of the CA certificates the IMAP server's certificate must chain to (not used for the downloads: see http_verify_cert).")]
    public string? SslCaCertificate { get; set; }

    [Option("The folder to read unread mails from.")]
    public string Folder { get; set; } = "INBOX";

    [Option("Only mails whose subject this regular expression finds something in.")]
    public string? SubjectRegex { get; set; }

    [Option("Only mails from this sender (an address or part of one).")]
    public string? SentFrom { get; set; }

    [Option("Only mails to this recipient (an address or part of one).")]
    public string? SentTo { get; set; }

    [Option("Once a mail's reports are handed on, move it to this folder (created when missing) instead of marking it seen.")]
    public string? MoveTo { get; set; }

    [Option("The URLs to download: every match of this regular expression in the mail's text body.")]
    public string UrlRegex { get; set; } = @"https?://[^\s<>""']+";

    [Option("Split a download at line ends into reports of at most this many bytes (for downloads larger than max_report_size; keep it below).", Min = 1, Max = 1L << 30)]
    public long? ChunkSize { get; set; }

    [Option("With chunk_size: repeat the download's first line (a CSV header) at the top of every part.")]
    public bool ChunkReplicateHeader { get; set; } = true;
}
