using IntelMQ.Core;

namespace IntelMQ.Collectors.Mail;

/// <summary>One report made from a mail: an attachment (or a file in it), a body, a download; or why it could not be made.</summary>
public sealed record MailPart(Event Report, Stream Body, string Origin, Exception? Error = null);
