using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Listeners;

/// <summary>
/// Listens for syslog messages over UDP (RFC 5426) and TCP (RFC 6587: octet counting or newline-terminated), in
/// RFC 5424 or RFC 3164 format, and hands them on in reports of one message per line, by count or time.
/// </summary>
[Program("syslog-collector", ProgramKind.Collector, "Listens for syslog over UDP and TCP and hands the messages on as reports, one per line.",
    Options = typeof(SyslogCollectorOptions),
    Description = """
        While it runs, the collector listens on ip:port over the protocols given (UDP and TCP by default). A UDP
        datagram is one message; on TCP a message is either octet-counted ("LENGTH SP MESSAGE", RFC 6587 3.4.1)
        or ends with a newline (3.4.2), told apart message by message, so both kinds of sender work. Messages are
        taken as they come, RFC 5424 and RFC 3164 alike, and become one line each: a trailing newline or NUL is
        removed, other control characters are written #ooo (octal, as rsyslog does) so that a message stays one line,
        bytes that are not UTF-8 become U+FFFD, and a message longer than max_message_size is cut there. A report is
        handed on once it holds report_lines lines or its first line waited report_seconds. Syslog has no
        acknowledgement: what arrives while the collector is down, and on UDP what overflows buffer_size, is lost
        (the log counts the drops); a stop (SIGTERM) hands on what was received. Parse the reports with a parser for
        the senders' messages. Run it with --daemon; it has no schedule.
        """,
    Examples = [
        "intelmq run syslog-collector --daemon --set ip=0.0.0.0 --set port=5514 --set name='Firewall syslog' --output 'redis://localhost:6379/2?queue=firewall-parser-queue'",
    ])]
public sealed class SyslogCollector : ICollector
{
    readonly SyslogCollectorOptions _options;
    readonly IPAddress _address;
    readonly bool _udp, _tcp;
    readonly ProgramContext _context;
    readonly string _name;
    long _dropped;

    /// <exception cref="ConfigurationException">An ip that is not an IP address, or protocols other than udp and tcp.</exception>
    public SyslogCollector(SyslogCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "syslog-collector";
        if (!IPAddress.TryParse(options.Ip, out var address))
            throw new ConfigurationException($"{_name}: ip '{options.Ip}' is not an IP address; e.g. 127.0.0.1 or 0.0.0.0.");
        foreach (var protocol in options.Protocols.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (protocol.ToLowerInvariant())
            {
                case "udp": _udp = true; break;
                case "tcp": _tcp = true; break;
                default: throw new ConfigurationException($"{_name}: protocols '{options.Protocols}' names '{protocol}'; give udp, tcp or udp,tcp.");
            }
        }
        if (!_udp && !_tcp) throw new ConfigurationException($"{_name}: protocols is empty; give udp, tcp or udp,tcp.");
        _options = options;
        _address = address;
        _context = context;
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(_options.BufferSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        using var stopListening = new CancellationTokenSource();
        var listening = new List<Task>();
        using var udp = _udp ? Bind(() => new UdpClient(new IPEndPoint(_address, _options.Port)), "UDP") : null;
        var tcp = _tcp ? Bind(() => new TcpListener(_address, _options.Port), "TCP") : null;
        try
        {
            tcp?.Start();
        }
        catch (SocketException ex)
        {
            throw new IOException($"{_name}: cannot listen on TCP {_options.Ip}:{_options.Port}: {ex.Message}", ex);
        }
        if (udp is not null) listening.Add(ReceiveUdpAsync(udp, lines.Writer, stopListening.Token));
        if (tcp is not null) listening.Add(TcpConnections.ServeEachAsync(tcp, client => ServeAsync(client, lines.Writer, stopListening.Token), stopListening.Token));

        var batch = new StringBuilder();
        var count = 0;
        var stopping = false;
        var wait = TimeSpan.FromSeconds(_options.ReportSeconds);
        try
        {
            while (!stopping)
            {
                var full = false;
                var started = TimeProvider.System.GetTimestamp();
                while (!full)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    if (count > 0)
                    {
                        var left = wait - TimeProvider.System.GetElapsedTime(started);
                        if (left <= TimeSpan.Zero) break;
                        timeout.CancelAfter(left);
                    }
                    try
                    {
                        if (!await lines.Reader.WaitToReadAsync(timeout.Token)) break;
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        stopping = true;
                        break;
                    }
                    catch (OperationCanceledException)
                    {
                        break; // the batch's time is up
                    }
                    while (count < _options.ReportLines && lines.Reader.TryRead(out var line))
                    {
                        if (count++ == 0) started = TimeProvider.System.GetTimestamp();
                        batch.Append(line).Append('\n');
                    }
                    full = count >= _options.ReportLines;
                }
                if (stopping)
                {
                    // Stop listening, and hand on what was received.
                    await stopListening.CancelAsync();
                    tcp?.Stop();
                    udp?.Close();
                    await Task.WhenAll(listening);
                    lines.Writer.TryComplete();
                    while (lines.Reader.TryRead(out var line))
                    {
                        count++;
                        batch.Append(line).Append('\n');
                    }
                }
                if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
                    _context.Log.LogWarning("{Name}: {Dropped} UDP messages dropped: more than buffer_size ({Size}) were waiting", _name, dropped, _options.BufferSize);
                if (count == 0) continue;
                var body = Encoding.UTF8.GetBytes(batch.ToString());
                var origin = $"syslog on {_options.Ip}:{_options.Port}, {count} messages";
                batch.Clear();
                count = 0;
                yield return new CollectedReport(new Event(MessageKind.Report), new MemoryStream(body, writable: false)) { Origin = origin };
            }
        }
        finally
        {
            await stopListening.CancelAsync();
            tcp?.Stop();
            udp?.Close();
            await Task.WhenAll(listening);
        }
    }

    T Bind<T>(Func<T> open, string protocol)
    {
        try
        {
            return open();
        }
        catch (SocketException ex)
        {
            throw new IOException($"{_name}: cannot listen on {protocol} {_options.Ip}:{_options.Port}: {ex.Message}", ex);
        }
    }

    async Task ReceiveUdpAsync(UdpClient udp, ChannelWriter<string> lines, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var datagram = await udp.ReceiveAsync(stop);
                if (Line(datagram.Buffer) is { Length: > 0 } line && !lines.TryWrite(line)) Interlocked.Increment(ref _dropped);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    async Task ServeAsync(TcpClient client, ChannelWriter<string> lines, CancellationToken stop)
    {
        using (client)
        {
            try
            {
                var reader = new SyslogFrameReader(client.GetStream(), _options.MaxMessageSize);
                while (await reader.ReadAsync(stop) is { } message)
                    if (Line(message.Span) is { Length: > 0 } line) await lines.WriteAsync(line, stop);
            }
            catch (InvalidDataException ex)
            {
                _context.Log.LogWarning("{Name}: {From}: {Error}; closing the connection", _name, client.Client.RemoteEndPoint, ex.Message);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
            {
                // the sender went away, or we stop
            }
        }
    }

    /// <summary>A message as one line: trailing newlines and NULs removed, other control characters as #ooo, cut at max_message_size.</summary>
    string Line(ReadOnlySpan<byte> message)
    {
        if (message.Length > _options.MaxMessageSize) message = message[.._options.MaxMessageSize];
        message = message.TrimEnd("\r\n\0"u8);
        var text = Encoding.UTF8.GetString(message);
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f')) return text;
        var line = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c is < ' ' or '\x7f' && c != '\t') line.Append('#').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
            else line.Append(c);
        }
        return line.ToString();
    }
}
