using System.Net.Security;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace IntelMQ.Channels;

/// <summary>An AMQP address's options, validated when the channel is opened.</summary>
internal sealed class AmqpSettings
{
    const string Example = "amqp://intelmq@rabbitmq.example.org/intelmq?queue=parsed&password_env=AMQP_PASSWORD";

    static readonly string[] Known =
    [
        "queue", "declare", "max_length", "prefetch", "exchange", "routing_key", "format", "heartbeat", "connect_timeout_ms",
        "tls_server_name", "tls_verify", "password_env", "password_file",
    ];

    readonly string? _password;

    AmqpSettings(ChannelAddress address, bool input)
    {
        address.CheckOptions(Known, "docs/channels/amqp.md");
        Name = address.ToString();
        if (!address.Rest.StartsWith("//", StringComparison.Ordinal))
            throw new ConfigurationException($"{address}: expected {address.Scheme}://[USER[:PASSWORD]@]HOST[:PORT][/VHOST]?queue=NAME, e.g. {Example}");
        Uri uri;
        try { uri = address.Uri; }
        catch (UriFormatException ex) { throw new ConfigurationException($"{address}: not a valid URI ({ex.Message}); e.g. {Example}"); }
        Tls = address.Scheme == "amqps";
        Host = uri.IdnHost is { Length: > 0 } host ? host : throw new ConfigurationException($"{address}: the host is missing; e.g. {Example}");
        Port = uri.Port > 0 ? uri.Port : Tls ? 5671 : 5672;
        var path = uri.AbsolutePath.TrimStart('/');
        // amqp://host and amqp://host/ both mean the default vhost "/" (the AMQP URI spec's empty vhost is never what is meant).
        VirtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        var (user, password) = address.Credentials();
        User = user ?? "guest";
        _password = password;
        Queue = address.Get("queue") is { Length: > 0 } queue ? queue : null;
        Exchange = address.Get("exchange") is { Length: > 0 } exchange ? exchange : null;
        if (input && Queue is null) throw new ConfigurationException($"{address}: 'queue' is missing; an AMQP input consumes a queue, e.g. {Example}");
        if (input && Exchange is not null) throw new ConfigurationException($"{address}: 'exchange' is for outputs; an input consumes its queue.");
        if (!input && Queue is null && Exchange is null) throw new ConfigurationException($"{address}: give 'queue' (publish to that queue) or 'exchange' (publish to an exchange), e.g. {Example}");
        RoutingKey = address.Get("routing_key") ?? Queue ?? "";
        Declare = address.GetBool("declare", true);
        MaxLength = address.GetInt("max_length", 0);
        Prefetch = address.Query.ContainsKey("prefetch") ? address.GetInt("prefetch", 0, 1, ushort.MaxValue) : null;
        Format = ChannelCatalog.Format(address);
        Heartbeat = TimeSpan.FromSeconds(address.GetInt("heartbeat", 60, 0, 3600));
        ConnectTimeout = TimeSpan.FromMilliseconds(address.GetInt("connect_timeout_ms", 10_000, 100));
        TlsServerName = address.Get("tls_server_name") ?? Host;
        TlsVerify = address.GetBool("tls_verify", true);
    }

    public static AmqpSettings Parse(ChannelAddress address, bool input) => new(address, input);

    /// <summary>The address without password.</summary>
    public string Name { get; }
    public bool Tls { get; }
    public string Host { get; }
    public int Port { get; }
    public string VirtualHost { get; }
    public string User { get; }
    public string? Queue { get; }
    public string? Exchange { get; }
    public string RoutingKey { get; }
    public bool Declare { get; }
    public int MaxLength { get; }
    public int? Prefetch { get; }
    public Core.MessageFormat Format { get; }
    public TimeSpan Heartbeat { get; }
    public TimeSpan ConnectTimeout { get; }
    public string TlsServerName { get; }
    public bool TlsVerify { get; }

    /// <summary>The queue's arguments: every declaration of a queue must give the same, or the broker refuses it.</summary>
    public Dictionary<string, object?>? QueueArguments => MaxLength > 0
        ? new Dictionary<string, object?> { ["x-max-length"] = MaxLength, ["x-overflow"] = "reject-publish" }
        : null;

    /// <summary>Opens a connection; failures become messages that name the broker, never the password.</summary>
    public async Task<IConnection> ConnectAsync(string clientName, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            VirtualHost = VirtualHost,
            UserName = User,
            Password = _password ?? "guest",
            RequestedHeartbeat = Heartbeat,
            RequestedConnectionTimeout = ConnectTimeout,
            // We reopen ourselves on the next call: automatic recovery would renumber delivery tags under our feet.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = clientName,
        };
        if (Tls)
        {
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = TlsServerName,
                AcceptablePolicyErrors = TlsVerify ? SslPolicyErrors.None
                    : SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch,
            };
        }
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or System.Net.Sockets.SocketException)
        {
            throw ConnectError(ex);
        }
    }

    /// <summary>Closes a connection that may already be broken; the broker requeues its unacknowledged messages either way.</summary>
    public static async Task CloseAsync(IConnection connection)
    {
        try
        {
            if (connection.IsOpen) await connection.CloseAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is AlreadyClosedException or IOException or OperationInterruptedException or TimeoutException or OperationCanceledException)
        {
            // already broken: nothing left to close
        }
        await connection.DisposeAsync();
    }

    Exception ConnectError(Exception ex)
    {
        var at = $"{Name}: RabbitMQ at {Host}:{Port}";
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationFailureException)
                return new ConfigurationException($"{at} refused the login of user '{User}' ({e.Message}); check the user and the password (in the URI, password_env= or password_file=).");
            if (e is OperationInterruptedException { ShutdownReason.ReplyCode: 530 } refused)
                return new ConfigurationException($"{at} refused access to vhost '{VirtualHost}' for user '{User}' ({refused.ShutdownReason.ReplyText}).");
            if (e is AggregateException { InnerExceptions.Count: > 0 } all)
                foreach (var inner in all.InnerExceptions)
                    if (inner is AuthenticationFailureException) return ConnectError(inner);
        }
        var root = ex;
        while (root.InnerException is not null) root = root.InnerException;
        return new ChannelUnavailableException($"{at}: cannot connect ({root.Message}){(Tls ? " over TLS" : "")}.", ex);
    }

    /// <summary>Declares the queue (durable, with <see cref="QueueArguments"/>), or with declare=false checks that it exists.</summary>
    public async Task DeclareQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (Queue is null) return;
        try
        {
            if (Declare)
                await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, QueueArguments, cancellationToken: cancellationToken);
            else
                await channel.QueueDeclarePassiveAsync(Queue, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
        {
            throw new ConfigurationException(
                $"{Name}: RabbitMQ refused to declare queue '{Queue}' ({ex.ShutdownReason.ReplyText}). The queue exists with other arguments: "
                + "every address of a queue must give the same max_length= (or none); or use declare=false to take the queue as it is.");
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            throw new ConfigurationException($"{Name}: queue '{Queue}' does not exist in vhost '{VirtualHost}' (declare=false); create it or drop declare=false.");
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 403)
        {
            throw new ConfigurationException($"{Name}: user '{User}' may not use queue '{Queue}' in vhost '{VirtualHost}' ({ex.ShutdownReason.ReplyText}).");
        }
    }

    /// <summary>Checks that the exchange exists, and with declare binds the queue (if any) to it.</summary>
    public async Task CheckExchangeAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (Exchange is null) return;
        try
        {
            await channel.ExchangeDeclarePassiveAsync(Exchange, cancellationToken);
            if (Queue is not null && Declare) await channel.QueueBindAsync(Queue, Exchange, RoutingKey, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is 404 or 403)
        {
            throw new ConfigurationException($"{Name}: cannot publish to exchange '{Exchange}' in vhost '{VirtualHost}' ({ex.ShutdownReason.ReplyText}); the exchange must exist (create it with rabbitmqadmin or a definitions file).");
        }
    }
}
