namespace IntelMQ.Outputs.Cassandra;

/// <summary>An ERROR the server answered (section 9 of the protocol): its code, name and message.</summary>
public sealed class CqlServerException(int code, string serverMessage, byte[]? unpreparedId = null)
    : Exception($"{Name(code)} (0x{code:X4}): {serverMessage}")
{
    public const int ServerError = 0x0000, ProtocolError = 0x000A, AuthenticationError = 0x0100, Unavailable = 0x1000,
        Overloaded = 0x1001, IsBootstrapping = 0x1002, TruncateError = 0x1003, WriteTimeout = 0x1100, ReadTimeout = 0x1200,
        ReadFailure = 0x1300, FunctionFailure = 0x1400, WriteFailure = 0x1500, SyntaxError = 0x2000, Unauthorized = 0x2100,
        Invalid = 0x2200, ConfigError = 0x2300, AlreadyExists = 0x2400, Unprepared = 0x2500;

    public int Code { get; } = code;

    public string ServerMessage { get; } = serverMessage;

    /// <summary>With <see cref="Unprepared"/>: the statement id the server no longer knows.</summary>
    public byte[]? UnpreparedId { get; } = unpreparedId;

    /// <summary>The server is busy, starting or missing replicas, or failed itself: the statement may succeed later.</summary>
    public bool IsTransient => Code is ServerError or Unavailable or Overloaded or IsBootstrapping or TruncateError
        or WriteTimeout or ReadTimeout or ReadFailure or WriteFailure;

    /// <summary>The statement or the login can never succeed as configured (credentials, permissions, the CQL itself).</summary>
    public bool IsConfiguration => Code is AuthenticationError or SyntaxError or Unauthorized or ConfigError;

    /// <summary>Reads an ERROR body: code, message, and for Unprepared the statement id.</summary>
    public static CqlServerException Read(ref CqlBodyReader body)
    {
        var code = body.Int();
        var message = body.String();
        return new CqlServerException(code, message, code == Unprepared && body.Remaining >= 2 ? body.ShortBytes().ToArray() : null);
    }

    public static string Name(int code) => code switch
    {
        ServerError => "Server error",
        ProtocolError => "Protocol error",
        AuthenticationError => "Authentication error",
        Unavailable => "Unavailable",
        Overloaded => "Overloaded",
        IsBootstrapping => "Is bootstrapping",
        TruncateError => "Truncate error",
        WriteTimeout => "Write timeout",
        ReadTimeout => "Read timeout",
        ReadFailure => "Read failure",
        FunctionFailure => "Function failure",
        WriteFailure => "Write failure",
        SyntaxError => "Syntax error",
        Unauthorized => "Unauthorized",
        Invalid => "Invalid",
        ConfigError => "Config error",
        AlreadyExists => "Already exists",
        Unprepared => "Unprepared",
        _ => "Error",
    };
}
