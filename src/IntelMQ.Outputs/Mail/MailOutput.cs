using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace IntelMQ.Outputs.Mail;

/// <summary>Mails a batch's events to their recipients: one mail per recipient set, with the events as a CSV attachment.</summary>
[Program("mail-output", ProgramKind.Output, "Mails events to their recipients (source.abuse_contact): one mail per recipient and batch, a CSV (or zip) attachment, Liquid templates.",
    Modules = ["intelmq.bots.outputs.smtp.output", "intelmq.bots.outputs.templated_smtp.output", "intelmq.bots.outputs.smtp_batch.output"],
    Options = typeof(MailOutputOptions),
    Description = """
        Renders mail_to for every event of a batch and groups the events by the recipients it gives: each group is one
        mail, whose subject and body are Liquid templates (event is the first event, events all of them, count, recipient)
        and whose attachment is a CSV of the fieldnames columns (zipped with zip=true), or the templated attachments.
        IntelMQ's Python formats ({ev[source.ip]}) work in every template. An event counts as delivered once the server
        accepted its mail (the reply to DATA); a recipient the server refuses for good (5xx) sends that mail's events to
        the dump with the server's reply, a temporary refusal (4xx) retries them; a server that is down or a broken
        connection retries the mails not yet accepted. The batch window is the host's batch: batch_size events, or
        what arrived within linger_ms; a one-shot run over a queue with linger_ms takes everything queued (up to
        batch_size) as one batch, so run from cron it mails each recipient once per run, and says in the log which
        recipients got more than one mail because their events did not fit. testing_to sends every mail to one address
        instead; mails_per_minute bounds the sending rate. STARTTLS when offered, SMTPS with ssl, authentication with
        smtp_username and smtp_password.
        Mails are signed (multipart/signed, SHA-256) with S/MIME when smime_certificate names a PKCS#12 file, or with
        OpenPGP when gpg_key names an ASCII-armored secret key file; a key that cannot sign stops the start.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run mail-output --set smtp_host=mail.example.org --set mail_from=cert@example.org --set testing_to=me@example.org --batch-size 5000 --linger-ms 600000 < events.jsonl",
        "intelmq run mail-output --input 'redis://localhost:6379/2?queue=mail-output-queue' --batch-size 100000 --linger-ms 600000 --on-transient-error stop --set smtp_host=mail.example.org --set mail_from=cert@example.org",
        "intelmq run mail-output --set 'mail_to={ev[source.abuse_contact]}' --set 'subject=Incident in your AS {ev[source.asn]}' --set zip=true < events.jsonl",
    ])]
public sealed class MailOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "mail-output";

    readonly MailOutputOptions _options;
    readonly MailTemplate _to, _subject, _body, _attachmentName;
    readonly (MailTemplate Name, MailTemplate Text, ContentType Type)[] _attachments;
    readonly string[] _columns, _columnPaths;
    readonly CsvRows _csv;
    readonly MailboxAddress _from;
    readonly MailboxAddress[] _bcc;
    readonly MailboxAddress? _testingTo;
    readonly Dictionary<string, MailboxAddress[]> _alternatives = new(StringComparer.OrdinalIgnoreCase);
    readonly TimeSpan _interval, _maxAge;
    readonly TimeProvider _clock;
    readonly MailSigner? _signer;
    readonly ILogger _log;
    // One-shot runs only: recipients mailed so far, to say when one gets a second mail (its events did not fit one batch).
    readonly HashSet<string>? _mailed;
    SmtpClient? _client;
    long _lastSend;

    public MailOutput(MailOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        _from = Address("mail_from", options.MailFrom) ?? throw new ConfigurationException($"{Program}: option 'mail_from' is empty; give the sender's address, e.g. cert@example.org.");
        _bcc = [.. options.Bcc.Select(b => Address("bcc", b)).OfType<MailboxAddress>()];
        _testingTo = Address("testing_to", options.TestingTo);
        _to = MailTemplate.Parse("mail_to", options.MailTo);
        _subject = MailTemplate.Parse("subject", options.Subject);
        _body = MailTemplate.Parse(options.MailTemplate.Length > 0 ? "mail_template" : "text", options.MailTemplate.Length > 0 ? ReadFile("mail_template", options.MailTemplate) : options.Text);
        _attachmentName = MailTemplate.Parse("attachment_name", options.AttachmentName);
        _attachments = [.. options.Attachments.Select(TemplatedAttachment)];
        _columns = options.Fieldnames;
        _columnPaths = new string[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
            _columnPaths[i] = IntelMQFields.Path(_columns[i]) ?? throw new ConfigurationException($"{Program}: option 'fieldnames': '{_columns[i]}' is neither an IntelMQ nor an IDF field name.");
        if (options.Delimiter.Length == 0) throw new ConfigurationException($"{Program}: option 'delimiter' is empty; give the CSV delimiter, e.g. ',' or ';'.");
        _csv = new CsvRows(options.Delimiter, CsvQuoting.Minimal);
        if (options.AlternativeMails.Length > 0) ReadAlternatives(options.AlternativeMails);
        _interval = options.MailsPerMinute > 0 ? TimeSpan.FromMinutes(1) / options.MailsPerMinute : TimeSpan.Zero;
        _maxAge = TimeSpan.FromDays(options.IgnoreOlderThanDays);
        _signer = MailSigner.Create(options);
        _log = context.Log;
        if (!context.Daemon) _mailed = new(StringComparer.OrdinalIgnoreCase);
    }

    static MailboxAddress? Address(string option, string text)
    {
        if (text.Trim().Length == 0) return null;
        if (!MailboxAddress.TryParse(text, out var address))
            throw new ConfigurationException($"{Program}: option '{option}': '{text}' is not a mail address; give one such as cert@example.org or 'CERT <cert@example.org>'.");
        return address;
    }

    static string ReadFile(string option, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Program}: option '{option}': cannot read '{path}': {ex.Message}");
        }
    }

    static (MailTemplate, MailTemplate, ContentType) TemplatedAttachment(string json)
    {
        const string Shape = """give objects such as {"content-type": "text/csv", "text": "...", "name": "events.csv"}""";
        try
        {
            using var doc = JsonDocument.Parse(json);
            string Member(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw new ConfigurationException($"{Program}: option 'attachments': an attachment has no '{name}'; {Shape}.");
            if (!ContentType.TryParse(Member("content-type"), out var type))
                throw new ConfigurationException($"{Program}: option 'attachments': '{Member("content-type")}' is not a content type such as text/csv.");
            return (MailTemplate.Parse("attachments", Member("name")), MailTemplate.Parse("attachments", Member("text")), type);
        }
        catch (JsonException)
        {
            throw new ConfigurationException($"{Program}: option 'attachments': '{json}' is not an object; {Shape}.");
        }
    }

    void ReadAlternatives(string path)
    {
        foreach (var line in ReadFile("alternative_mails", path).Split('\n'))
        {
            var comma = line.IndexOf(',');
            if (line.Trim().Length == 0 || comma < 0) continue;
            if (!InternetAddressList.TryParse(line[(comma + 1)..].Replace(';', ','), out var alternatives) || alternatives.Mailboxes.FirstOrDefault() is null)
                throw new ConfigurationException($"{Program}: option 'alternative_mails': '{path}': the line '{line.Trim()}' gives no alternative address.");
            _alternatives[line[..comma].Trim()] = [.. alternatives.Mailboxes];
        }
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var mails = Group(events, results);
        if (mails.Count == 0) return;
        var sent = 0;
        List<string>? again = null;
        for (var m = 0; m < mails.Count; m++)
        {
            var (key, recipients, indexes) = mails[m];
            var mailEvents = indexes.ConvertAll(i => events[i]);
            MimeMessage message;
            try
            {
                message = Compose(recipients, mailEvents);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Mark(results, indexes, WriteResult.Refused($"{Program}: cannot compose the mail to {Show(recipients)}: {ex.Message}"));
                continue;
            }
            try
            {
                var client = await ConnectedAsync(cancellationToken);
                await PaceAsync(cancellationToken);
                await client.SendAsync(message, _from, _testingTo is { } tester ? [tester] : [.. recipients, .. _bcc], cancellationToken);
                _lastSend = _clock.GetTimestamp();
                sent++;
                if (_mailed is not null && !_mailed.Add(key)) (again ??= []).Add(key);
            }
            catch (SmtpCommandException ex)
            {
                _lastSend = _clock.GetTimestamp();
                var reason = $"{Program}: {(ex.Mailbox is { } box ? box.Address + ": " : "")}the server answered {(int)ex.StatusCode} {ex.Message}";
                Mark(results, indexes, (int)ex.StatusCode >= 500 ? WriteResult.Refused(reason) : WriteResult.Retry(reason));
                if (_client is { IsConnected: false }) Disconnect();
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
            {
                Disconnect();
                if (sent == 0) throw ex as TransientException ?? new TransientException($"{Program}: {_options.SmtpHost}:{_options.SmtpPort}: {ex.Message}", ex);
                // Mails already accepted stay accepted: only this one and the rest are tried again.
                for (var rest = m; rest < mails.Count; rest++)
                    Mark(results, mails[rest].Indexes, WriteResult.Retry($"{Program}: {_options.SmtpHost}:{_options.SmtpPort}: {ex.Message}"));
                break;
            }
        }
        if (again is not null)
            _log.LogWarning("{Count} recipients got another mail in this run, as their events did not fit into one batch (batch_size): {Recipients}",
                again.Count, string.Join("; ", again.Take(10)) + (again.Count > 10 ? "; ..." : ""));
    }

    /// <summary>The batch's events by recipients, in the order of their first event; events without a recipient are refused.</summary>
    List<(string Key, MailboxAddress[] Recipients, List<int> Indexes)> Group(IReadOnlyList<Event> events, WriteResult[] results)
    {
        var mails = new List<(string, MailboxAddress[], List<int>)>();
        var byKey = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var now = _clock.GetUtcNow();
        for (var i = 0; i < events.Count; i++)
        {
            if (_maxAge > TimeSpan.Zero && ObservedAt(events[i]) is { } observed && now - observed > _maxAge)
            {
                results[i] = WriteResult.Refused($"{Program}: time.observation {observed:O} is older than ignore_older_than_days ({_options.IgnoreOlderThanDays})");
                continue;
            }
            var text = _to.Render([events[i]], "").Trim();
            var recipients = Recipients(text);
            if (recipients.Length == 0)
            {
                results[i] = WriteResult.Refused($"{Program}: no recipient: mail_to gave '{text}'");
                continue;
            }
            var key = string.Join(',', recipients.Select(r => r.Address).Order(StringComparer.OrdinalIgnoreCase));
            if (!byKey.TryGetValue(key, out var m))
            {
                byKey[key] = m = mails.Count;
                mails.Add((key, recipients, []));
            }
            mails[m].Item3.Add(i);
        }
        return mails;
    }

    MailboxAddress[] Recipients(string text)
    {
        if (text.Length == 0 || !InternetAddressList.TryParse(text.Replace(';', ','), out var list)) return [];
        var recipients = new List<MailboxAddress>();
        foreach (var mailbox in list.Mailboxes)
            if (_alternatives.TryGetValue(mailbox.Address, out var alternatives)) recipients.AddRange(alternatives);
            else if (mailbox.Address.Contains('@', StringComparison.Ordinal)) recipients.Add(mailbox);
        return [.. recipients];
    }

    static DateTimeOffset? ObservedAt(Event ev) =>
        IntelMQFields.Text(ev, IntelMQFields.Path("time.observation")!) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    MimeMessage Compose(MailboxAddress[] recipients, List<Event> events)
    {
        var recipient = Show(recipients);
        var now = _clock.GetUtcNow();
        var message = new MimeMessage();
        message.From.Add(_from);
        if (_testingTo is { } tester)
        {
            message.To.Add(tester);
            message.Headers.Add("X-IntelMQ-Recipients", recipient);
        }
        else message.To.AddRange(recipients);
        message.Subject = MailTemplate.Strftime(_subject.Render(events, recipient), now);
        message.Date = now;
        var body = new BodyBuilder { TextBody = _body.Render(events, recipient) };
        if (_attachments.Length > 0)
            foreach (var (name, text, type) in _attachments)
                body.Attachments.Add(name.Render(events, recipient), Encoding.UTF8.GetBytes(text.Render(events, recipient)), type);
        else if (_columns.Length > 0)
        {
            var name = MailTemplate.Strftime(_attachmentName.Render(events, recipient), now);
            var csv = Encoding.UTF8.GetBytes(Csv(events));
            if (_options.Zip) body.Attachments.Add(name + ".zip", Zip(name + ".csv", csv), new ContentType("application", "zip"));
            else body.Attachments.Add(name + ".csv", csv, new ContentType("text", "csv") { Charset = "utf-8" });
        }
        message.Body = _signer is { } signer ? signer.Sign(body.ToMessageBody()) : body.ToMessageBody();
        return message;
    }

    string Csv(List<Event> events)
    {
        var text = new StringBuilder();
        _csv.TryAppend(text, _columns);
        var cells = new string?[_columnPaths.Length];
        foreach (var ev in events)
        {
            for (var c = 0; c < cells.Length; c++) cells[c] = IntelMQFields.Text(ev, _columnPaths[c]);
            _csv.TryAppend(text, cells);
        }
        return text.ToString();
    }

    static byte[] Zip(string entryName, byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = archive.CreateEntry(entryName, CompressionLevel.Optimal).Open())
            entry.Write(content);
        return buffer.ToArray();
    }

    /// <summary>The open connection, checked with NOOP when it was idle (servers close idle ones), or a new one.</summary>
    async ValueTask<SmtpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        // A connection that just took a mail is used as it is: a NOOP per mail would double the round trips of a batch.
        if (_client is { IsConnected: true } busy && _lastSend != 0 && _clock.GetElapsedTime(_lastSend) < TimeSpan.FromSeconds(5)) return busy;
        if (_client is { IsConnected: true } open)
        {
            try
            {
                await open.NoOpAsync(cancellationToken);
                return open;
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken) || ex is SmtpCommandException)
            {
                Disconnect();
            }
        }
        return _client = await ConnectAsync(cancellationToken);
    }

    async ValueTask<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = _options.SmtpTimeoutSec * 1000 };
        if (!_options.VerifyCert) client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        var security = _options.Ssl ? SecureSocketOptions.SslOnConnect : _options.Starttls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None;
        try
        {
            await client.ConnectAsync(_options.SmtpHost, _options.SmtpPort, security, cancellationToken);
            if (_options.SmtpUsername.Length > 0 && !_options.SmtpPassword.IsEmpty)
                await client.AuthenticateAsync(_options.SmtpUsername, _options.SmtpPassword.Reveal(), cancellationToken);
            return client;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TransientException($"{Program}: cannot use the SMTP server {_options.SmtpHost}:{_options.SmtpPort}: {ex.Message}", ex);
        }
    }

    /// <summary>Keeps mails at least 1/mails_per_minute apart.</summary>
    async ValueTask PaceAsync(CancellationToken cancellationToken)
    {
        if (_interval == TimeSpan.Zero || _lastSend == 0) return;
        var wait = _interval - _clock.GetElapsedTime(_lastSend);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _clock, cancellationToken);
    }

    /// <summary>Connects, authenticates and says QUIT; throws with the server's answer.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = await ConnectAsync(cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (TransientException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is TransientException or IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
        || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    static void Mark(WriteResult[] results, List<int> indexes, WriteResult result)
    {
        foreach (var i in indexes) results[i] = result;
    }

    static string Show(MailboxAddress[] recipients) => string.Join(", ", recipients.Select(r => r.Address));

    void Disconnect()
    {
        _client?.Dispose();
        _client = null;
    }

    public void Dispose()
    {
        Disconnect();
        _signer?.Dispose();
    }
}
