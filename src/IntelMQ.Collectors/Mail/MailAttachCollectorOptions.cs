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
}
