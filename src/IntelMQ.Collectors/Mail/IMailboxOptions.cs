using IntelMQ.Contract;

namespace IntelMQ.Collectors.Mail;

/// <summary>IntelMQ's mail collector parameters: which IMAP mailbox, which of its unread mails, and where a handled mail goes.</summary>
public interface IMailboxOptions
{
    string? MailHost { get; }
    int? MailPort { get; }
    string? MailUser { get; }
    Secret? MailPassword { get; }
    bool MailSsl { get; }
    bool MailStarttls { get; }
    string? SslCaCertificate { get; }
    string Folder { get; }
    string? SubjectRegex { get; }
    string? SentFrom { get; }
    string? SentTo { get; }
    string? MoveTo { get; }
}
