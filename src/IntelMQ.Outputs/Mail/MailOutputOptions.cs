using IntelMQ.Contract;

namespace IntelMQ.Outputs.Mail;

public sealed record MailOutputOptions
{
    [Option("The SMTP server's host name or address.", Aliases = ["smtp_server"])]
    public string SmtpHost { get; set; } = "localhost";

    [Option("The SMTP server's port (25, 587 for submission, 465 with ssl).", Min = 1, Max = 65535)]
    public int SmtpPort { get; set; } = 25;

    [Option("The user to authenticate as; authentication is tried only when both user and password are given.")]
    public string SmtpUsername { get; set; } = "";

    [Option("The SMTP user's password.")]
    public Secret SmtpPassword { get; set; } = new("");

    [Option("TLS from the start of the connection (SMTPS, usually port 465).", Aliases = ["tls"])]
    public bool Ssl { get; set; }

    [Option("Use STARTTLS when the server offers it (IntelMQ's opportunistic STARTTLS).")]
    public bool Starttls { get; set; } = true;

    [Option("Verify the server's certificate with ssl or STARTTLS.", Aliases = ["http_verify_cert"])]
    public bool VerifyCert { get; set; } = true;

    [Option("Seconds to wait for the server (connecting, each command); then the mail is retried later.", Min = 1, Max = 3600)]
    public int SmtpTimeoutSec { get; set; } = 60;

    [Option("The sender (From and the envelope sender).", Aliases = ["email_from"])]
    public string MailFrom { get; set; } = "cert@localhost";

    [Option("The recipients, a template rendered per event (comma- or semicolon-separated addresses): events with the same recipients share a mail.")]
    public string MailTo { get; set; } = "{{ event['source.abuse_contact'] }}";

    [Option("The subject, a template; strftime's %Y, %m, %d, %H, %M, %S give the sending time.")]
    public string Subject { get; set; } = "Incidents concerning your network ({{ count }})";

    [Option("The body, a template.", Aliases = ["body"])]
    public string Text { get; set; } = "Dear network owner, we have been informed that the devices listed in the attachment ({{ count }} events) might have security problems. Your CERT";

    [Option("A file holding the body template, instead of text (IntelMQ's smtp_batch).")]
    public string MailTemplate { get; set; } = "";

    [Option("The attachment's columns, IntelMQ or IDF field names; empty sends no CSV attachment.")]
    public string[] Fieldnames { get; set; } = ["time.source", "classification.taxonomy", "classification.type", "classification.identifier", "source.ip", "source.port", "source.asn", "source.fqdn", "source.url", "protocol.transport", "protocol.application", "malware.name", "feed.name"];

    [Option("The CSV attachment's file name without extension; a template, with strftime codes.")]
    public string AttachmentName { get; set; } = "intelmq_%Y-%m-%d";

    [Option("The CSV attachment's delimiter.")]
    public string Delimiter { get; set; } = ",";

    [Option("Send the CSV attachment zipped (.zip holding the .csv), as IntelMQ's smtp_batch does.")]
    public bool Zip { get; set; }

    [Option("Templated attachments instead of the CSV (IntelMQ's templated_smtp): JSON objects with content-type, text and name, each a template.")]
    public string[] Attachments { get; set; } = [];

    [Option("Addresses every mail is also sent to, hidden (Bcc).")]
    public string[] Bcc { get; set; } = [];

    [Option("Test mode: every mail goes to this address only (the intended recipients in the X-IntelMQ-Recipients header), nothing to the real recipients.")]
    public string TestingTo { get; set; } = "";

    [Option("A CSV file of 'original,alternative' lines: mail for an original address goes to the alternative (several separated by ';').")]
    public string AlternativeMails { get; set; } = "";

    [Option("Refuse (dump) events whose time.observation is older than this many days instead of mailing them; 0 mails all.", Min = 0, Max = 36500)]
    public int IgnoreOlderThanDays { get; set; }

    [Option("At most this many mails per minute (a server's or a provider's limit); 0 for no limit.", Min = 0, Max = 1_000_000)]
    public int MailsPerMinute { get; set; }

    [Option("Sign every mail with OpenPGP: an ASCII-armored secret key file (gpg --export-secret-keys --armor FINGERPRINT > key.asc); its first signing key is used.")]
    public string GpgKey { get; set; } = "";

    [Option("The passphrase of gpg_key's secret key.")]
    public Secret GpgPass { get; set; } = new("");

    [Option("Sign every mail with S/MIME: a PKCS#12 file (.p12, .pfx) holding the sender's certificate and private key.")]
    public string SmimeCertificate { get; set; } = "";

    [Option("The password of smime_certificate's PKCS#12 file.")]
    public Secret SmimePassword { get; set; } = new("");

    [Option("Accepted for IntelMQ configurations (smtp): failures are always classified, transient ones retried.")]
    public bool FailOnErrors { get; set; }

    [Option("Accepted for IntelMQ's smtp_batch configurations and not used: the events wait in the input queue until a one-shot run (from cron) mails them, no Redis cache.")]
    public int RedisCacheDb { get; set; }

    [Option("Accepted for IntelMQ's smtp_batch configurations and not used (see redis_cache_db).")]
    public string RedisCacheHost { get; set; } = "";

    [Option("Accepted for IntelMQ's smtp_batch configurations and not used (see redis_cache_db).")]
    public int RedisCachePort { get; set; }

    [Option("Accepted for IntelMQ's smtp_batch configurations and not used (see redis_cache_db).")]
    public int RedisCacheTtl { get; set; }

    [Option("Accepted for IntelMQ's smtp_batch configurations and not used: a debugging option of its command line.", Min = 0)]
    public int LimitResults { get; set; }
}
