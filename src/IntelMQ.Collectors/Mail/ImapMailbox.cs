using System.Net.Sockets;
using IntelMQ.Contract;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace IntelMQ.Collectors.Mail;

/// <summary>
/// An IMAP folder's unread mails that pass the sender and recipient filters, read without marking them (BODY.PEEK),
/// and marked seen or moved only when a report's commit says so.
/// </summary>
public sealed class ImapMailbox : IAsyncDisposable
{
    readonly ImapClient _client;
    readonly IMailFolder _folder;
    readonly IMailFolder? _moveTo;
    readonly IMailboxOptions _options;

    ImapMailbox(ImapClient client, IMailFolder folder, IMailFolder? moveTo, IMailboxOptions options)
    {
        _client = client;
        _folder = folder;
        _moveTo = moveTo;
        _options = options;
    }

    /// <summary>Checks the options that need no server: the host, the user and the trusted CAs.</summary>
    /// <exception cref="ConfigurationException">A missing mail_host or mail_user, or an unreadable ssl_ca_certificate.</exception>
    public static void Check(IMailboxOptions options, string owner)
    {
        if (options.MailHost is not { Length: > 0 })
            throw new ConfigurationException($"{owner}: option 'mail_host' is missing: the IMAP server, e.g. --set mail_host=imap.example.org");
        if (options.MailUser is not { Length: > 0 })
            throw new ConfigurationException($"{owner}: option 'mail_user' is missing: the mailbox's user name.");
        if (options.SslCaCertificate is { Length: > 0 } ca) CertificateTrust.Callback(ca, "ssl_ca_certificate", owner);
    }

    /// <exception cref="TransientException">The server cannot be reached or broke off.</exception>
    /// <exception cref="IOException">The login, the TLS handshake or the folder was refused.</exception>
    public static async Task<ImapMailbox> OpenAsync(IMailboxOptions options, string owner, CancellationToken cancellationToken)
    {
        var client = new ImapClient();
        var where = $"imap://{options.MailHost}:{Port(options)}/{options.Folder}";
        try
        {
            if (options.SslCaCertificate is { Length: > 0 } ca) client.ServerCertificateValidationCallback = CertificateTrust.Callback(ca, "ssl_ca_certificate", owner);
            var security = options.MailSsl ? SecureSocketOptions.SslOnConnect : options.MailStarttls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
            await client.ConnectAsync(options.MailHost!, Port(options), security, cancellationToken);
            await client.AuthenticateAsync(options.MailUser!, options.MailPassword?.Reveal() ?? "", cancellationToken);
            var folder = await client.GetFolderAsync(options.Folder, cancellationToken);
            await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
            var moveTo = options.MoveTo is { Length: > 0 } target ? await FolderAsync(client, target, cancellationToken) : null;
            return new ImapMailbox(client, folder, moveTo, options);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            client.Dispose();
            throw ex switch
            {
                AuthenticationException => new IOException($"{where}: the server refused the login of {options.MailUser}: {ex.Message}", ex),
                SslHandshakeException => new IOException($"{where}: TLS failed: {ex.Message} (see ssl_ca_certificate, mail_ssl, mail_starttls)", ex),
                FolderNotFoundException => new IOException($"{where}: no such folder", ex),
                IOException or SocketException or ImapProtocolException or ImapCommandException => new TransientException($"{where}: {ex.Message}", ex),
                _ => ex,
            };
        }
    }

    static int Port(IMailboxOptions options) => options.MailPort ?? (options.MailSsl ? 993 : 143);

    static async Task<IMailFolder> FolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(name, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(name, true, cancellationToken) ?? throw new IOException($"cannot create the folder {name}");
        }
    }

    /// <summary>The unread mails from sent_from to sent_to, oldest first.</summary>
    public async Task<IList<UniqueId>> UnreadAsync(CancellationToken cancellationToken)
    {
        var query = SearchQuery.NotSeen;
        if (_options.SentFrom is { Length: > 0 } from) query = query.And(SearchQuery.FromContains(from));
        if (_options.SentTo is { Length: > 0 } to) query = query.And(SearchQuery.ToContains(to));
        return await Transient(() => _folder.SearchAsync(query, cancellationToken));
    }

    /// <summary>The whole mail, leaving it unread.</summary>
    public Task<MimeMessage> ReadAsync(UniqueId uid, CancellationToken cancellationToken) => Transient(() => _folder.GetMessageAsync(uid, cancellationToken));

    /// <summary>What to do once a mail's reports are handed on: mark it seen, or move it to move_to.</summary>
    public Func<CancellationToken, ValueTask> Completion(UniqueId uid) => async cancellationToken =>
    {
        if (_moveTo is null) await _folder.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen) { Silent = true }, cancellationToken);
        else await _folder.MoveToAsync(uid, _moveTo, cancellationToken);
    };

    async Task<T> Transient<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ImapProtocolException)
        {
            throw new TransientException($"imap://{_options.MailHost}/{_options.Folder}: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync(true);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ImapProtocolException)
        {
            // The server went away; nothing is left to tell it.
        }
        _client.Dispose();
    }
}
