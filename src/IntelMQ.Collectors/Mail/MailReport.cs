using IntelMQ.Core;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>A report's metadata from its mail, as IntelMQ's mail collectors set it: extra.email_date, _subject, _from, _message_id.</summary>
public static class MailReport
{
    static readonly string Date = DhoMapping.ToIdf("extra.email_date")!, Subject = DhoMapping.ToIdf("extra.email_subject")!,
        From = DhoMapping.ToIdf("extra.email_from")!, MessageId = DhoMapping.ToIdf("extra.email_message_id")!, FileName = DhoMapping.ToIdf("extra.file_name")!;

    /// <summary>The fields the mail collectors write (IDF names), for their declarations.</summary>
    public static readonly string[] Fields = ["custom.email_date", "custom.email_subject", "custom.email_from", "custom.email_message_id"];

    public static Event For(MimeMessage message, string? fileName = null)
    {
        var report = new Event(MessageKind.Report);
        if (message.Headers[HeaderId.Date] is { Length: > 0 } date) report.TryAdd(Date, date.Trim());
        if (message.Subject is { Length: > 0 } subject) report.TryAdd(Subject, subject);
        if (message.From.Mailboxes.FirstOrDefault()?.Address is { Length: > 0 } from) report.TryAdd(From, from);
        if (message.MessageId is { Length: > 0 } id) report.TryAdd(MessageId, id);
        if (fileName is { Length: > 0 }) report.TryAdd(FileName, fileName);
        return report;
    }

    /// <summary>How a mail is named in logs and dumps.</summary>
    public static string Origin(MimeMessage message, string folder) => $"mail {message.MessageId ?? "(no Message-ID)"} in {folder}, subject '{message.Subject}'";
}
