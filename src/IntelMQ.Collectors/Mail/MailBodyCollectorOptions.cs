using IntelMQ.Contract;

namespace IntelMQ.Collectors.Mail;

/// <summary>Options of the mail body collector: IntelMQ's collector_mail_body parameters.</summary>
public sealed record MailBodyCollectorOptions : MailParameters
{
    [Option("Which text bodies are reports, by subtype: a list such as plain,html; true (the default) means plain and html.", AlsoAccepts = ["boolean", "array"])]
    public string ContentTypes { get; set; } = "true";
}
