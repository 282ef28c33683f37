using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Stomp;

/// <summary>
/// A STOMP 1.2 client connection over TCP or TLS: CONNECT, SUBSCRIBE, frames read one by one, ACK, and heart-beats
/// in both directions. No served NuGet package speaks STOMP, and a subscriber needs only this much of it.
/// </summary>
public sealed class StompConnection : IAsyncDisposable
{
    readonly TcpClient _tcp;
    readonly Stream _stream;
    readonly SemaphoreSlim _writing = new(1, 1);
    readonly byte[] _buffer = new byte[1 << 16];
    readonly CancellationTokenSource _closing = new();
    int _start, _end;
    TimeSpan _readTimeout = Timeout.InfiniteTimeSpan;
    Task _heartBeats = Task.CompletedTask;

    StompConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public string Where { get; private init; } = "";

    /// <summary>Connects, with TLS unless <paramref name="tls"/> is null, and logs in (login and passcode unless null).</summary>
    /// <param name="virtualHost">The host header (RabbitMQ's virtual host); null or empty: <paramref name="host"/>, which STOMP 1.2 asks for.</param>
    /// <param name="heartBeat">The heart-beat interval offered both ways; zero for none.</param>
    /// <exception cref="TransientException">The broker cannot be reached, or went away.</exception>
    /// <exception cref="IOException">TLS failed, or the broker refused the login (an ERROR frame).</exception>
    public static async Task<StompConnection> OpenAsync(string host, int port, SslClientAuthenticationOptions? tls, string? virtualHost,
                                                        string? login, string? passcode, TimeSpan heartBeat, CancellationToken cancellationToken)
    {
        var where = $"stomp{(tls is null ? "" : "+ssl")}://{host}:{port}";
        var tcp = new TcpClient();
        Stream stream;
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken);
            stream = tcp.GetStream();
            if (tls is not null)
            {
                var ssl = new SslStream(stream, false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(tls, cancellationToken);
            }
        }
        catch (SocketException ex)
        {
            tcp.Dispose();
            throw new TransientException($"{where}: {ex.Message}", ex);
        }
        catch (AuthenticationException ex)
        {
            tcp.Dispose();
            throw new IOException($"{where}: TLS failed: {ex.Message} (see ssl_ca_certificate and ssl_client_certificate)", ex);
        }
        catch (IOException ex)
        {
            tcp.Dispose();
            throw new TransientException($"{where}: the connection broke while opening: {ex.Message}", ex);
        }
        var connection = new StompConnection(tcp, stream) { Where = where };
        try
        {
            var ms = ((long)heartBeat.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            var headers = new List<(string, string)> { ("accept-version", "1.2"), ("heart-beat", $"{ms},{ms}") };
            headers.Add(("host", virtualHost is { Length: > 0 } ? virtualHost : host));
            if (login is not null) headers.Add(("login", login));
            if (passcode is not null) headers.Add(("passcode", passcode));
            await connection.SendAsync("CONNECT", headers, cancellationToken);
            var connected = await connection.ReadAsync(cancellationToken)
                            ?? throw new TransientException($"{where}: the broker closed the connection before CONNECTED");
            if (connected.Command != "CONNECTED") throw new IOException($"{where}: the broker refused the connection: {Describe(connected)}");
            connection.StartHeartBeats(heartBeat, connected["heart-beat"]);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes to a destination with acknowledgement of each message on its own (ack: client-individual).</summary>
    public Task SubscribeAsync(string destination, CancellationToken cancellationToken) =>
        SendAsync("SUBSCRIBE", [("id", "0"), ("destination", destination), ("ack", "client-individual")], cancellationToken);

    /// <summary>Acknowledges one message by its ack header: the broker forgets it.</summary>
    public Task AckAsync(string ack, CancellationToken cancellationToken) => SendAsync("ACK", [("id", ack)], cancellationToken);

    /// <summary>The next frame other than a heart-beat, or null when the broker closed the connection.</summary>
    /// <exception cref="TransientException">Nothing came, not even a heart-beat, for twice the broker's interval; or the connection broke.</exception>
    public async Task<StompFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Heart-beats (bare line ends) before a command are skipped.
            string command;
            do
            {
                if (await ReadLineAsync(cancellationToken) is not { } line) return null;
                command = line;
            }
            while (command.Length == 0);
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            var escaped = command is not ("CONNECTED" or "CONNECT");
            while (await ReadLineAsync(cancellationToken) is { Length: > 0 } header)
            {
                var colon = header.IndexOf(':');
                if (colon < 0) throw new IOException($"{Where}: a {command} frame has a header without ':': {header}");
                var name = escaped ? Unescape(header[..colon]) : header[..colon];
                headers.TryAdd(name, escaped ? Unescape(header[(colon + 1)..]) : header[(colon + 1)..]);
            }
            var body = headers.TryGetValue("content-length", out var length) && int.TryParse(length, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? await ReadBodyAsync(n, cancellationToken)
                : await ReadUntilNulAsync(cancellationToken);
            return new StompFrame(command, headers, body);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) return line.Length == 0 ? null : throw new EndOfStreamException();
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Write(_buffer, _start, stop - _start);
            _start = stop;
            if (newline < 0) continue;
            _start++;
            var text = Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
            return text.EndsWith('\r') ? text[..^1] : text;
        }
    }

    async Task<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        for (var read = 0; read < length;)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) throw new EndOfStreamException();
            var n = Math.Min(length - read, _end - _start);
            Array.Copy(_buffer, _start, body, read, n);
            _start += n;
            read += n;
        }
        if (_start == _end && !await FillAsync(cancellationToken)) throw new EndOfStreamException();
        if (_buffer[_start++] != 0) throw new IOException($"{Where}: a frame's body is not followed by NUL as its content-length says");
        return body;
    }

    async Task<byte[]> ReadUntilNulAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken)) throw new EndOfStreamException();
            var nul = Array.IndexOf(_buffer, (byte)0, _start, _end - _start);
            var stop = nul < 0 ? _end : nul;
            body.Write(_buffer, _start, stop - _start);
            _start = stop;
            if (nul < 0) continue;
            _start++;
            return body.ToArray();
        }
    }

    async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_readTimeout);
        try
        {
            _start = 0;
            _end = await _stream.ReadAsync(_buffer, timeout.Token);
            return _end > 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"{Where}: the broker sent nothing, not even a heart-beat, for {_readTimeout.TotalSeconds:0.#} s");
        }
        catch (IOException ex)
        {
            throw new TransientException($"{Where}: the connection broke: {ex.Message}", ex);
        }
    }

    async Task SendAsync(string command, IEnumerable<(string Name, string Value)> headers, CancellationToken cancellationToken)
    {
        var frame = new StringBuilder(command).Append('\n');
        var escape = command != "CONNECT";
        foreach (var (name, value) in headers)
            frame.Append(escape ? Escape(name) : name).Append(':').Append(escape ? Escape(value) : value).Append('\n');
        frame.Append('\n').Append('\0');
        await WriteAsync(Encoding.UTF8.GetBytes(frame.ToString()), cancellationToken);
    }

    async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new TransientException($"{Where}: the connection broke: {ex.Message}", ex);
        }
        finally
        {
            _writing.Release();
        }
    }

    // heart-beat: our "cx,cy" against the broker's "sx,sy": we send every max(cx, sy), expect something every max(sx, cy).
    void StartHeartBeats(TimeSpan offered, string? answer)
    {
        var parts = (answer ?? "0,0").Split(',');
        long Part(int i) => parts.Length > i && long.TryParse(parts[i], CultureInfo.InvariantCulture, out var v) ? v : 0;
        var ours = (long)offered.TotalMilliseconds;
        if (ours > 0 && Part(0) > 0) _readTimeout = TimeSpan.FromMilliseconds(2 * Math.Max(Part(0), ours) + 1000);
        if (ours <= 0 || Part(1) <= 0) return;
        var interval = TimeSpan.FromMilliseconds(Math.Max(ours, Part(1)));
        _heartBeats = Task.Run(async () =>
        {
            try
            {
                while (!_closing.IsCancellationRequested)
                {
                    await Task.Delay(interval, _closing.Token);
                    await WriteAsync("\n"u8.ToArray(), _closing.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or TransientException or ObjectDisposedException)
            {
                // A broken connection shows on the next read.
            }
        });
    }

    /// <summary>What a frame says, for exceptions: its command, message header and body.</summary>
    public static string Describe(StompFrame frame) =>
        $"{frame.Command} {frame["message"]}{(frame.Body.Length > 0 ? ": " + Encoding.UTF8.GetString(frame.Body).Trim() : "")}";

    static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\r", "\\r").Replace("\n", "\\n").Replace(":", "\\c");

    static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var result = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length) { result.Append(s[i]); continue; }
            result.Append(s[++i] switch { 'r' => '\r', 'n' => '\n', 'c' => ':', _ => s[i] });
        }
        return result.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        await _heartBeats;
        await _stream.DisposeAsync();
        _tcp.Dispose();
        _closing.Dispose();
        _writing.Dispose();
    }
}
