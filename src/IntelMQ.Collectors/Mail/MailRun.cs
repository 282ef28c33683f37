using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>
/// What the mail collectors share: the unread mails of the mailbox that pass the filters, each turned into reports by
/// the collector, the mail marked seen (or moved) by the commit of its last report, so only once all are handed on.
/// </summary>
static class MailRun
{
    /// <param name="parts">The reports of one mail.</param>
    /// <param name="nothing">Why a mail gave no report (it is marked all the same, so that it is not read again every run).</param>
    public static async IAsyncEnumerable<CollectedReport> CollectAsync(IMailboxOptions options, Regex? subject, string owner, string nothing,
        Func<MimeMessage, string, CancellationToken, Task<List<MailPart>>> parts, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var mailbox = await ImapMailbox.OpenAsync(options, owner, cancellationToken);
        foreach (var uid in await mailbox.UnreadAsync(cancellationToken))
        {
            var message = await mailbox.ReadAsync(uid, cancellationToken);
            if (subject is not null && !subject.IsMatch(message.Subject ?? "")) continue;
            var origin = MailReport.Origin(message, options.Folder);
            var made = await parts(message, origin, cancellationToken);
            if (made.Count == 0) made.Add(new MailPart(MailReport.For(message), Stream.Null, $"{origin} ({nothing})"));
            try
            {
                for (var i = 0; i < made.Count; i++)
                    yield return new CollectedReport(made[i].Report, made[i].Body)
                    {
                        Origin = made[i].Origin,
                        Error = made[i].Error,
                        Commit = i == made.Count - 1 ? mailbox.Completion(uid) : null,
                    };
            }
            finally
            {
                foreach (var part in made) await part.Body.DisposeAsync();
            }
        }
    }

    /// <exception cref="ConfigurationException">Not a valid regular expression.</exception>
    public static Regex? Pattern(string? pattern, string option, string owner)
    {
        if (pattern is not { Length: > 0 }) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"{owner}: {option} '{pattern}' is not a regular expression: {ex.Message}");
        }
    }
}
