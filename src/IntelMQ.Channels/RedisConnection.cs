using System.Globalization;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using StackExchange.Redis;

namespace IntelMQ.Channels;

/// <summary>
/// One channel's own connection to a Redis server (<c>redis://</c> and <c>redis-stream://</c> addresses): its own so
/// that an input's blocking reads hold up nothing else. Transient failures of inputs are retried here with backoff;
/// outputs let them propagate, since the runtime retries a failed send.
/// </summary>
sealed class RedisConnection : IAsyncDisposable
{
    static readonly Backoff Retry = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));

    /// <summary>The longest single blocking command; longer waits are made of several, so that timeouts stay short.</summary>
    public static readonly TimeSpan MaxBlock = TimeSpan.FromSeconds(5);

    static readonly string[] ConnectionKeys = ["password_env", "password_file", "tls", "connect_timeout_ms", "timeout_ms"];

    readonly ConnectionMultiplexer _multiplexer;
    readonly string? _password;

    RedisConnection(ConnectionMultiplexer multiplexer, string name, string? password, TextWriter log, Version version)
    {
        _multiplexer = multiplexer;
        _password = password;
        Name = name;
        Log = log;
        ServerVersion = version;
        Database = multiplexer.GetDatabase();
    }

    /// <summary>The address without its password.</summary>
    public string Name { get; }

    public IDatabase Database { get; }

    public TextWriter Log { get; }

    public Version ServerVersion { get; }

    /// <summary>
    /// Connects, failing at once (with no password in the message) with a <see cref="ChannelUnavailableException"/> when
    /// the server cannot be reached, or a <see cref="ConfigurationException"/> when it refuses the credentials. Later disconnections are repaired in the background.
    /// </summary>
    public static RedisConnection Open(ChannelAddress address, ChannelContext context, string example, params string[] channelKeys)
    {
        address.CheckOptions([.. channelKeys, .. ConnectionKeys], "docs/channels/redis.md", example);
        if (!address.Rest.StartsWith("//", StringComparison.Ordinal))
            throw new ConfigurationException($"{address}: expected {address.Scheme}://[USER:PASSWORD@]HOST:PORT/DB?..., e.g. {example}");
        Uri uri;
        try { uri = address.Uri; }
        catch (UriFormatException ex) { throw new ConfigurationException($"{address}: not a valid address ({ex.Message}); e.g. {example}"); }
        var host = uri.IdnHost.Length > 0 ? uri.IdnHost : "localhost";
        var port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        var path = uri.AbsolutePath.Trim('/');
        var db = 0;
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db > 15_000))
            throw new ConfigurationException($"{address}: '/{path}' must be a database number, e.g. {example}");
        var (user, password) = address.Credentials();
        var timeout = address.GetInt("timeout_ms", 10_000, (int)MaxBlock.TotalMilliseconds + 1000);
        var options = new ConfigurationOptions
        {
            EndPoints = { { host, port } },
            DefaultDatabase = db,
            User = string.IsNullOrEmpty(user) ? null : user,
            Password = string.IsNullOrEmpty(password) ? null : password,
            Ssl = address.GetBool("tls"),
            SslHost = address.GetBool("tls") ? host : null,
            AbortOnConnectFail = true,
            ConnectRetry = 2,
            ConnectTimeout = address.GetInt("connect_timeout_ms", 5000, 100),
            SyncTimeout = timeout,
            AsyncTimeout = timeout,
            ClientName = $"intelmq-{context.ProgramId}-{context.WorkerId}",
            Protocol = RedisProtocol.Resp2,
        };
        var name = address.ToString();
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException ex)
        {
            // The client library's own advice (abortConnect=false) does not apply here; say what failed instead.
            if (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
                throw new ConfigurationException($"{name}: " + Scrub($"the server refused the credentials; check the user and the password (password_env, password_file): {Innermost(ex).Message}", password));
            throw new ChannelUnavailableException($"{name}: " + Scrub($"cannot connect to Redis at {host}:{port} ({(ex.InnerException is null ? ex.FailureType.ToString() : Innermost(ex).Message)}); is the server running and reachable?", password), ex);
        }
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        return new RedisConnection(multiplexer, name, password, context.Log, server.Version);
    }

    /// <summary>An output's bound, <c>max_length=</c> as on every channel, or <c>maxlen=</c>, Redis's own word for it; 0: none.</summary>
    public static int MaxLength(ChannelAddress address) => address.GetInt("max_length", address.GetInt("maxlen", 0));

    static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    /// <summary>The timeout argument of a blocking list command: fractional seconds from Redis 6.0 on, whole seconds before.</summary>
    public string BlockSeconds(TimeSpan wait) =>
        ServerVersion >= new Version(6, 0)
            ? Math.Max(0.01, wait.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture)
            : Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs an input's operation until it succeeds, waiting with backoff while the server is unreachable or busy.</summary>
    public async Task<T> RetryAsync<T>(string what, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                var delay = Retry.Delay(attempt);
                Log.WriteLine($"{Name}: cannot {what}: {Scrub(ex.Message, _password)}; retrying in {delay.TotalSeconds:0.#} s");
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    static bool IsTransient(Exception ex) => ex switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
                                       || server.Message.StartsWith("BUSY ", StringComparison.Ordinal)
                                       || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                                       || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>A message for logs: the client library does not print passwords, and this makes sure of it.</summary>
    public static string Scrub(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        // Whatever a blocking read moves after this stays in the in-flight list or pending entries, redelivered later.
        await _multiplexer.CloseAsync(allowCommandsToComplete: false);
        await _multiplexer.DisposeAsync();
    }
}
