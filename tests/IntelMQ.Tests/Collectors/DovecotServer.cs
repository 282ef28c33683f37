using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// A private dovecot IMAP server on 127.0.0.1 (a free port) with one mailbox, feeds/secret, in a temporary directory
/// (shared/notes/private-servers.md); Debian's dovecot-imapd must be installed.
/// </summary>
public sealed class DovecotServer : IDisposable
{
    const string Binary = "/usr/sbin/dovecot";
    public const string User = "feeds", Password = "secret";

    readonly string _dir;
    readonly Process _process;

    DovecotServer(string dir, Process process, int port)
    {
        _dir = dir;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static bool Installed => File.Exists(Binary);

    public static async Task<DovecotServer> StartAsync(CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("intelmq-dovecot-").FullName;
        // dovecot reads the mail as its own user, which must get through the directory.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(dir, "mail"));
        var port = FreePort();
        File.WriteAllText(Path.Combine(dir, "users"), $"{User}:{{PLAIN}}{Password}\n");
        File.WriteAllText(Path.Combine(dir, "dovecot.conf"), $$"""
            base_dir = {{dir}}/run
            state_dir = {{dir}}/state
            log_path = {{dir}}/log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            first_valid_uid = 1
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{dir}}/users
            }
            userdb {
              driver = static
              args = uid=dovecot gid=dovecot home={{dir}}/mail/%u
            }
            mail_location = maildir:~/Maildir
            service imap-login {
              inet_listener imap {
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            default_internal_user = dovecot
            default_login_user = dovenull
            """);
        using (var chown = Process.Start("chown", ["-R", "dovecot:dovecot", Path.Combine(dir, "mail")])) await chown.WaitForExitAsync(cancellationToken);
        var process = Process.Start(new ProcessStartInfo(Binary, ["-F", "-c", Path.Combine(dir, "dovecot.conf")]) { RedirectStandardError = true })!;
        var server = new DovecotServer(dir, process, port);
        try
        {
            await Eventually.WaitForAsync("dovecot accepting IMAP logins", async () =>
            {
                try
                {
                    using var client = await server.ConnectAsync(cancellationToken);
                    return true;
                }
                catch (Exception ex) when (ex is SocketException or IOException or ImapProtocolException)
                {
                    return false;
                }
            }, cancellationToken);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public async Task<ImapClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None, cancellationToken);
            await client.AuthenticateAsync(User, Password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Puts a mail into a folder, unread, as a mail server delivering it would.</summary>
    public async Task AppendAsync(MimeMessage message, CancellationToken cancellationToken, string folder = "INBOX")
    {
        using var client = await ConnectAsync(cancellationToken);
        await client.GetFolder(folder).AppendAsync(message, MessageFlags.None, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>The subjects of the folder's unread mails.</summary>
    public async Task<List<string>> UnreadAsync(CancellationToken cancellationToken, string folder = "INBOX")
    {
        using var client = await ConnectAsync(cancellationToken);
        var box = await client.GetFolderAsync(folder, cancellationToken);
        await box.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var subjects = new List<string>();
        foreach (var uid in await box.SearchAsync(SearchQuery.NotSeen, cancellationToken))
            subjects.Add((await box.GetMessageAsync(uid, cancellationToken)).Subject ?? "");
        await client.DisconnectAsync(true, cancellationToken);
        return subjects;
    }

    /// <summary>The subjects of all mails of a folder.</summary>
    public async Task<List<string>> SubjectsAsync(string folder, CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken);
        var box = await client.GetFolderAsync(folder, cancellationToken);
        await box.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var subjects = new List<string>();
        foreach (var uid in await box.SearchAsync(SearchQuery.All, cancellationToken))
            subjects.Add((await box.GetMessageAsync(uid, cancellationToken)).Subject ?? "");
        await client.DisconnectAsync(true, cancellationToken);
        return subjects;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        // SIGTERM, so that the master stops its imap and auth processes too.
        Eventually.Terminate(_process, 10);
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
