using System.Globalization;
using Confluent.Kafka;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>
/// A <c>kafka://</c> address's options, validated when the channel is opened, and the client configurations they make:
/// <c>kafka://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]...]?topic=NAME[&amp;group=G]</c>.
/// </summary>
public sealed class KafkaSettings
{
    const string Example = "kafka://kafka1.example.org:9092,kafka2.example.org:9092?topic=parsed&group=enrichment";
    const int DefaultPort = 9092;

    // Both ends accept every option, so that a producer and its consumers can share one address.
    static readonly string[] Known =
    [
        "topic", "group", "client_id", "partitions", "replication", "session_timeout_ms", "delivery_timeout_ms", "compression",
        "format", "security_protocol", "sasl_mechanism", "ssl_ca", "ssl_cert", "ssl_key", "password_env", "password_file",
    ];

    readonly string? _user, _password;

    KafkaSettings(ChannelAddress address)
    {
        address.CheckOptions(Known, "docs/channels/kafka-pulsar.md");
        Name = address.ToString();
        if (!address.Rest.StartsWith("//", StringComparison.Ordinal))
            throw new ConfigurationException($"{address}: expected kafka://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]...]?topic=NAME, e.g. {Example}");
        var authority = address.Rest[2..];
        var slash = authority.IndexOf('/');
        if (slash >= 0)
        {
            if (slash != authority.Length - 1) throw new ConfigurationException($"{address}: a Kafka address has no path ('{authority[slash..]}'); the topic is given as topic=NAME, e.g. {Example}");
            authority = authority[..slash];
        }
        var at = authority.LastIndexOf('@');
        string? userInfo = null;
        if (at >= 0)
        {
            userInfo = authority[..at];
            authority = authority[(at + 1)..];
        }
        Brokers = Bootstrap(address, authority);
        (_user, _password) = Credentials(address, userInfo);

        Topic = address.Require("topic", Example);
        if (Topic.Length > 249 || Topic is "." or ".." || !Topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ConfigurationException($"{address}: topic={Topic} is not a Kafka topic name: at most 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-'.");
        Group = address.Get("group") is { Length: > 0 } group ? group : null;
        ClientId = address.Get("client_id") is { Length: > 0 } clientId ? clientId : null;
        Partitions = address.Query.ContainsKey("partitions") ? address.GetInt("partitions", 0, 1, 100_000) : null;
        Replication = (short)address.GetInt("replication", -1, -1, short.MaxValue);
        if (Replication == 0) throw new ConfigurationException($"{address}: replication=0 is not a replication factor; give 1 or more, or leave it out for the broker's default.replication.factor.");
        if (address.Query.ContainsKey("replication") && Partitions is null)
            throw new ConfigurationException($"{address}: replication= applies when the channel creates the topic; give partitions=N too.");
        SessionTimeoutMs = address.GetInt("session_timeout_ms", 10_000, 1000, 3_600_000);
        DeliveryTimeoutMs = address.GetInt("delivery_timeout_ms", 60_000, 1000, int.MaxValue);
        Compression = address.Get("compression")?.ToLowerInvariant() switch
        {
            null or "none" => CompressionType.None,
            "gzip" => CompressionType.Gzip,
            "snappy" => CompressionType.Snappy,
            "lz4" => CompressionType.Lz4,
            "zstd" => CompressionType.Zstd,
            var other => throw new ConfigurationException($"{address}: compression={other} must be none, gzip, snappy, lz4 or zstd."),
        };
        Format = ChannelCatalog.Format(address);

        SslCa = ExistingFile(address, "ssl_ca");
        SslCertificate = ExistingFile(address, "ssl_cert");
        SslKey = ExistingFile(address, "ssl_key");
        if ((SslCertificate is null) != (SslKey is null))
            throw new ConfigurationException($"{address}: ssl_cert= and ssl_key= go together (a client certificate and its private key, PEM files).");
        SecurityProtocol = address.Get("security_protocol")?.ToLowerInvariant() switch
        {
            // A user means SASL, and a password is not sent in clear unless asked for with sasl_plaintext.
            null => _user is not null ? SecurityProtocol.SaslSsl : SslCa is not null || SslCertificate is not null ? SecurityProtocol.Ssl : SecurityProtocol.Plaintext,
            "plaintext" => SecurityProtocol.Plaintext,
            "ssl" => SecurityProtocol.Ssl,
            "sasl_plaintext" => SecurityProtocol.SaslPlaintext,
            "sasl_ssl" => SecurityProtocol.SaslSsl,
            var other => throw new ConfigurationException($"{address}: security_protocol={other} must be plaintext, ssl, sasl_plaintext or sasl_ssl."),
        };
        var sasl = SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;
        SaslMechanism = address.Get("sasl_mechanism")?.ToLowerInvariant().Replace('_', '-') switch
        {
            null or "plain" => Confluent.Kafka.SaslMechanism.Plain,
            "scram-sha-256" => Confluent.Kafka.SaslMechanism.ScramSha256,
            "scram-sha-512" => Confluent.Kafka.SaslMechanism.ScramSha512,
            var other => throw new ConfigurationException($"{address}: sasl_mechanism={other} must be plain, scram-sha-256 or scram-sha-512."),
        };
        if (sasl && (_user is null || _password is null))
            throw new ConfigurationException($"{address}: security_protocol={Protocol(SecurityProtocol)} needs a user and a password: USER@ in the URI, and the password in password_env= or password_file= (or USER:PASSWORD@), e.g. kafka://intelmq@kafka.example.org:9093?topic=parsed&password_env=KAFKA_PASSWORD");
        if (!sasl && (_user is not null || address.Query.ContainsKey("sasl_mechanism")))
            throw new ConfigurationException($"{address}: a user and sasl_mechanism= need security_protocol=sasl_ssl (or sasl_plaintext), not {Protocol(SecurityProtocol)}.");
        if (!sasl && _password is not null)
            throw new ConfigurationException($"{address}: a password is given without a user; give USER@ in the URI.");
    }

    /// <summary>Parses and checks an address: unknown options, a missing topic and unreadable files fail here, before any connection.</summary>
    public static KafkaSettings Parse(ChannelAddress address) => new(address);

    /// <summary>The address without password, for logs and messages.</summary>
    public string Name { get; }

    /// <summary>The bootstrap servers, <c>host:port,host:port</c>.</summary>
    public string Brokers { get; }

    public string Topic { get; }

    /// <summary>The consumer group from <c>group=</c>, or null for the program's id.</summary>
    public string? Group { get; }

    public string? ClientId { get; }

    /// <summary>With <c>partitions=N</c>, the channel creates a missing topic with N partitions.</summary>
    public int? Partitions { get; }

    /// <summary>The replication factor of a topic the channel creates; -1 is the broker's <c>default.replication.factor</c>.</summary>
    public short Replication { get; }

    public int SessionTimeoutMs { get; }
    public int DeliveryTimeoutMs { get; }
    public CompressionType Compression { get; }
    public MessageFormat Format { get; }
    public SecurityProtocol SecurityProtocol { get; }
    public SaslMechanism SaslMechanism { get; }
    public string? SslCa { get; }
    public string? SslCertificate { get; }
    public string? SslKey { get; }

    /// <summary>The SASL user, or null.</summary>
    public string? User => _user;

    /// <summary>Offsets are committed only by <see cref="IInputChannel.AckAsync"/>, after the batch's results are confirmed downstream.</summary>
    public ConsumerConfig ConsumerConfig(ChannelContext context) => new(Common(context))
    {
        GroupId = Group ?? context.ProgramId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = SessionTimeoutMs,
        EnablePartitionEof = false,
    };

    /// <summary>Idempotent, acknowledged by all in-sync replicas: a delivery report means the message is durable, and retries add no duplicates.</summary>
    public ProducerConfig ProducerConfig(ChannelContext context) => new(Common(context))
    {
        EnableIdempotence = true,
        Acks = Acks.All,
        MessageTimeoutMs = DeliveryTimeoutMs,
        CompressionType = Compression,
        // Messages have no key: spread each batch over the partitions, so that every consumer of the group gets a share.
        StickyPartitioningLingerMs = 0,
    };

    public AdminClientConfig AdminConfig(ChannelContext context) => new(Common(context));

    ClientConfig Common(ChannelContext context)
    {
        var config = new ClientConfig
        {
            BootstrapServers = Brokers,
            ClientId = ClientId ?? $"intelmq-{context.ProgramId}-{context.WorkerId.ToString(CultureInfo.InvariantCulture)}",
            SecurityProtocol = SecurityProtocol,
        };
        if (SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl)
        {
            config.SaslMechanism = SaslMechanism;
            config.SaslUsername = _user;
            config.SaslPassword = _password;
        }
        if (SslCa is not null) config.SslCaLocation = SslCa;
        if (SslCertificate is not null)
        {
            config.SslCertificateLocation = SslCertificate;
            config.SslKeyLocation = SslKey;
        }
        return config;
    }

    static string Bootstrap(ChannelAddress address, string authority)
    {
        var brokers = new List<string>();
        foreach (var part in authority.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) throw new ConfigurationException($"{address}: a broker is missing in the list; e.g. {Example}");
            // host, host:port, [v6], [v6]:port
            var close = part.StartsWith('[') ? part.IndexOf(']') : -1;
            if (part.StartsWith('[') && close < 0) throw new ConfigurationException($"{address}: '{part}' is not a broker address; e.g. {Example}");
            var colon = part.IndexOf(':', close + 1);
            var host = colon < 0 ? part : part[..colon];
            var port = DefaultPort;
            if (colon >= 0 && (!int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
                throw new ConfigurationException($"{address}: '{part}' has no valid port (1-65535); e.g. {Example}");
            if (host.Length == 0 || host == "[]") throw new ConfigurationException($"{address}: the host is missing in '{part}'; e.g. {Example}");
            brokers.Add($"{host}:{port.ToString(CultureInfo.InvariantCulture)}");
        }
        return string.Join(',', brokers);
    }

    /// <summary>
    /// The user and password from USER[:PASSWORD]@, overridden by password_env= or password_file=. ChannelAddress.Uri
    /// cannot hold a broker list, so <see cref="ChannelAddress.Credentials"/> reads them from the address narrowed to a
    /// single placeholder host with the same options.
    /// </summary>
    static (string? User, string? Password) Credentials(ChannelAddress address, string? userInfo)
    {
        var query = string.Join('&', address.Query.Where(o => o.Key is "password_env" or "password_file")
            .Select(o => $"{Uri.EscapeDataString(o.Key)}={Uri.EscapeDataString(o.Value)}"));
        var single = ChannelAddress.Parse($"{address.Scheme}://{(userInfo is null ? "" : userInfo + "@")}broker{(query.Length > 0 ? "?" + query : "")}");
        try
        {
            var (user, password) = single.Credentials();
            return (string.IsNullOrEmpty(user) ? null : user, password);
        }
        catch (ConfigurationException ex)
        {
            // The narrowed address in the message would mislead: name the whole one (without its password).
            var reason = ex.Message.IndexOf(": ", StringComparison.Ordinal) is >= 0 and var i ? ex.Message[i..] : ": " + ex.Message;
            throw new ConfigurationException(address + reason);
        }
        catch (UriFormatException)
        {
            throw new ConfigurationException($"{address}: the user information before '@' is not valid; percent-encode special characters (e.g. %40 for @).");
        }
    }

    static string? ExistingFile(ChannelAddress address, string key)
    {
        if (address.Get(key) is not { Length: > 0 } path) return null;
        return File.Exists(path) ? Path.GetFullPath(path) : throw new ConfigurationException($"{address}: {key}={path}: no such file.");
    }

    static string Protocol(SecurityProtocol protocol) => protocol switch
    {
        SecurityProtocol.Plaintext => "plaintext",
        SecurityProtocol.Ssl => "ssl",
        SecurityProtocol.SaslPlaintext => "sasl_plaintext",
        _ => "sasl_ssl",
    };
}
