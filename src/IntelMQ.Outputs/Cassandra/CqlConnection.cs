using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using IntelMQ.Contract;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>
/// A connection to one Cassandra node speaking the CQL native protocol v4: STARTUP, SASL PLAIN login, then one request
/// at a time, each answered on its own stream id. No served NuGet package speaks CQL, and an output needs only this much.
/// </summary>
public sealed class CqlConnection : IDisposable
{
    const string CqlVersion = "3.0.0";

    readonly TcpClient _tcp;
    readonly Stream _stream;
    readonly TimeSpan _timeout;
    readonly ILogger _log;
    readonly CqlWriter _request = new();
    short _nextStream;

    CqlConnection(TcpClient tcp, Stream stream, TimeSpan timeout, ILogger log, string where)
    {
        _tcp = tcp;
        _stream = stream;
        _timeout = timeout;
        _log = log;
        Where = where;
    }

    /// <summary>The node, as <c>host:port</c>, for messages.</summary>
    public string Where { get; }

    /// <summary>Connects (with TLS unless <paramref name="tls"/> is null), starts the session and logs in when the server asks.</summary>
    /// <param name="credentials">The user and password for the server's PasswordAuthenticator; null when none are configured.</param>
    /// <exception cref="IOException">The node cannot be reached, TLS failed, or the connection broke.</exception>
    /// <exception cref="TimeoutException">The node did not answer within the timeout.</exception>
    /// <exception cref="CqlServerException">The node answered STARTUP or the login with an ERROR.</exception>
    /// <exception cref="ConfigurationException">The node asks for a login none is configured for, or one other than SASL PLAIN.</exception>
    public static async Task<CqlConnection> OpenAsync(CqlEndpoint endpoint, SslClientAuthenticationOptions? tls, (string User, string Password)? credentials,
                                                      TimeSpan timeout, ILogger log, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        CqlConnection? connection = null;
        try
        {
            Stream stream;
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connecting.CancelAfter(timeout);
                try
                {
                    await tcp.ConnectAsync(endpoint.Host, endpoint.Port, connecting.Token);
                    stream = tcp.GetStream();
                    if (tls is not null)
                    {
                        var ssl = new SslStream(stream, false);
                        stream = ssl;
                        await ssl.AuthenticateAsClientAsync(tls, connecting.Token);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{endpoint}: no connection within {timeout.TotalSeconds:0.#} s");
                }
                catch (SocketException ex)
                {
                    throw new IOException($"{endpoint}: {ex.Message}", ex);
                }
                catch (AuthenticationException ex)
                {
                    throw new IOException($"{endpoint}: TLS failed: {ex.Message} (see verify_cert)", ex);
                }
            }
            connection = new CqlConnection(tcp, stream, timeout, log, endpoint.ToString());
            await connection.StartAsync(credentials, cancellationToken);
            return connection;
        }
        catch
        {
            if (connection is not null) connection.Dispose();
            else tcp.Dispose();
            throw;
        }
    }

    async Task StartAsync((string User, string Password)? credentials, CancellationToken cancellationToken)
    {
        _request.Reset().StringMap([new("CQL_VERSION", CqlVersion)]);
        var answer = await RequestAsync(CqlOpcode.Startup, cancellationToken);
        if (answer.Opcode == CqlOpcode.Ready) return;
        if (answer.Opcode != CqlOpcode.Authenticate) throw Unexpected(answer, "READY or AUTHENTICATE");
        var authenticator = answer.Message(out _).String();
        if (credentials is not { } login)
            throw new ConfigurationException($"cassandra-output: {Where} asks for a login ({authenticator}); set the options username and password.");
        // SASL PLAIN (RFC 4616): an empty authorisation id, the user and the password, separated by NUL.
        var token = Encoding.UTF8.GetBytes($"\0{login.User}\0{login.Password}");
        _request.Reset().Bytes(token);
        answer = await RequestAsync(CqlOpcode.AuthResponse, cancellationToken);
        if (answer.Opcode == CqlOpcode.AuthChallenge)
            throw new ConfigurationException($"cassandra-output: {Where} ({authenticator}) asks for more than a SASL PLAIN login; only Cassandra's PasswordAuthenticator is supported.");
        if (answer.Opcode != CqlOpcode.AuthSuccess) throw Unexpected(answer, "AUTH_SUCCESS");
    }

    /// <summary>Asks which STARTUP options the node supports (OPTIONS → SUPPORTED): the health check's question.</summary>
    public async Task<Dictionary<string, List<string>>> OptionsAsync(CancellationToken cancellationToken)
    {
        _request.Reset();
        var answer = await RequestAsync(CqlOpcode.Options, cancellationToken);
        if (answer.Opcode != CqlOpcode.Supported) throw Unexpected(answer, "SUPPORTED");
        return answer.Message(out _).StringMultimap();
    }

    /// <summary>Runs a statement without values (CREATE TABLE); its result is not read.</summary>
    public async Task QueryAsync(string cql, ushort consistency, CancellationToken cancellationToken)
    {
        _request.Reset().LongString(cql).Short(consistency).Byte(0);
        var answer = await RequestAsync(CqlOpcode.Query, cancellationToken);
        if (answer.Opcode != CqlOpcode.Result) throw Unexpected(answer, "RESULT");
    }

    /// <summary>Prepares a statement: its id and its bind markers' names and types.</summary>
    public async Task<CqlPrepared> PrepareAsync(string cql, CancellationToken cancellationToken)
    {
        _request.Reset().LongString(cql);
        var answer = await RequestAsync(CqlOpcode.Prepare, cancellationToken);
        if (answer.Opcode != CqlOpcode.Result) throw Unexpected(answer, "RESULT");
        return ReadPrepared(answer.Message(out _));
    }

    /// <summary>Reads a Prepared result (section 4.2.5.4) up to its bind markers; the result metadata after them is not needed.</summary>
    public static CqlPrepared ReadPrepared(CqlBodyReader body)
    {
        const int Prepared = 0x0004, GlobalTableSpec = 0x0001;
        var kind = body.Int();
        if (kind != Prepared) throw new InvalidDataException($"the server answered PREPARE with a result of kind {kind}, not Prepared (4)");
        var id = body.ShortBytes().ToArray();
        var flags = body.Int();
        var count = body.Int();
        if (count < 0 || count > body.Remaining / 4) throw new InvalidDataException($"a Prepared result announces {count} bind markers in {body.Remaining} bytes");
        var keys = body.Int();
        if (keys < 0 || keys > body.Remaining / 2) throw new InvalidDataException($"a Prepared result announces {keys} partition key indexes in {body.Remaining} bytes");
        body.Skip(2 * keys, "the partition key indexes");
        if ((flags & GlobalTableSpec) != 0)
        {
            body.String();
            body.String();
        }
        var names = new string[count];
        var types = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            if ((flags & GlobalTableSpec) == 0)
            {
                body.String();
                body.String();
            }
            names[i] = body.String();
            types[i] = body.Type();
        }
        return new CqlPrepared(id, names, types);
    }

    /// <summary>Executes a prepared statement with one row of values (a [short] count and the [value]s).</summary>
    public Task ExecuteAsync(CqlPrepared statement, ReadOnlySpan<byte> row, ushort consistency, CancellationToken cancellationToken)
    {
        const byte Values = 0x01, SkipMetadata = 0x02;
        _request.Reset().ShortBytes(statement.Id).Short(consistency).Byte(Values | SkipMetadata).Raw(row);
        return WriteAsync(CqlOpcode.Execute, cancellationToken);
    }

    /// <summary>Executes a prepared statement once per row in one UNLOGGED batch: the server applies it as one request.</summary>
    public Task BatchAsync(CqlPrepared statement, IReadOnlyList<byte[]> rows, ushort consistency, CancellationToken cancellationToken)
    {
        const byte Unlogged = 1, PreparedKind = 1;
        _request.Reset().Byte(Unlogged).Short(checked((ushort)rows.Count));
        foreach (var row in rows) _request.Byte(PreparedKind).ShortBytes(statement.Id).Raw(row);
        _request.Short(consistency).Byte(0);
        return WriteAsync(CqlOpcode.Batch, cancellationToken);
    }

    async Task WriteAsync(CqlOpcode opcode, CancellationToken cancellationToken)
    {
        var answer = await RequestAsync(opcode, cancellationToken);
        if (answer.Opcode != CqlOpcode.Result) throw Unexpected(answer, "RESULT");
    }

    /// <summary>Sends the request in <see cref="_request"/> and reads its answer; an ERROR answer is thrown.</summary>
    async Task<CqlFrame> RequestAsync(CqlOpcode opcode, CancellationToken cancellationToken)
    {
        var stream = _nextStream;
        _nextStream = (short)((_nextStream + 1) & 0x7FFF);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await _stream.WriteAsync(_request.Frame(opcode, stream), timeout.Token);
            await _stream.FlushAsync(timeout.Token);
            while (true)
            {
                var frame = await CqlFrame.ReadAsync(_stream, timeout.Token) ?? throw new EndOfStreamException($"{Where} closed the connection");
                if (frame.Stream < 0) continue; // a pushed EVENT; none is registered for, but a server may send one
                if (frame.Stream != stream) throw new InvalidDataException($"{Where} answered stream {frame.Stream} while stream {stream} was waiting");
                if (frame.Opcode == CqlOpcode.Error)
                {
                    var body = frame.Message(out _);
                    var error = CqlServerException.Read(ref body);
                    if (frame.Version != CqlFrame.ResponseVersion)
                        throw new ConfigurationException($"cassandra-output: {Where} does not speak the CQL native protocol v4 (Cassandra 2.2 or later does): {error.ServerMessage}");
                    throw error;
                }
                if (frame.Version != CqlFrame.ResponseVersion) throw new InvalidDataException($"{Where} answered with protocol version {frame.Version & 0x7F}, not 4");
                frame.Message(out var warnings);
                foreach (var warning in warnings) _log.LogDebug("{Node} warns: {Warning}", Where, warning);
                return frame;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Where} did not answer within {_timeout.TotalSeconds:0.#} s");
        }
    }

    InvalidDataException Unexpected(CqlFrame frame, string expected) =>
        new($"{Where} answered {frame.Opcode} where {expected} was expected");

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
