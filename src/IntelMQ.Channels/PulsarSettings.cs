using System.Globalization;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>
/// A <c>pulsar://</c> address's options, validated when the channel is opened, and the WebSocket endpoints they name:
/// <c>pulsar://HOST[:PORT][/PREFIX]?topic=NAME[&amp;subscription=S]</c>, spoken to through Pulsar's WebSocket API.
/// </summary>
public sealed class PulsarSettings
{
    const string Example = "pulsar://pulsar.example.org:8080?topic=parsed&subscription=enrichment";

    // Both ends accept every option, so that a producer and its consumers can share one address.
    static readonly string[] Known =
    [
        "topic", "subscription", "tenant", "namespace", "subscription_type", "initial_position", "receiver_queue", "consumer_name",
        "send_timeout_ms", "max_pending", "connect_timeout_ms", "format", "tls", "tls_verify", "tls_ca", "token", "token_env", "token_file",
    ];

    readonly string? _token;
    readonly X509Certificate2Collection? _authorities;

    PulsarSettings(ChannelAddress address, bool input)
    {
        address.CheckOptions(Known, "docs/channels/kafka-pulsar.md");
        Name = address.ToString();
        if (!address.Rest.StartsWith("//", StringComparison.Ordinal))
            throw new ConfigurationException($"{address}: expected pulsar://HOST[:PORT]?topic=NAME&subscription=S, e.g. {Example}");
        Uri uri;
        try { uri = address.Uri; }
        catch (UriFormatException ex) { throw new ConfigurationException($"{address}: not a valid address ({ex.Message}); e.g. {Example}"); }
        if (uri.UserInfo.Length > 0)
            throw new ConfigurationException($"{address}: Pulsar authenticates with a token, not a user: give token_env=VARIABLE or token_file=PATH.");
        Tls = address.GetBool("tls");
        Host = uri.Host is { Length: > 0 } host ? host : throw new ConfigurationException($"{address}: the host is missing; e.g. {Example}");
        Port = uri.Port > 0 ? uri.Port : Tls ? 8443 : 8080;
        PathPrefix = uri.AbsolutePath.TrimEnd('/');

        Topic = address.Require("topic", Example);
        Tenant = address.Get("tenant") is { Length: > 0 } tenant ? tenant : "public";
        Namespace = address.Get("namespace") is { Length: > 0 } ns ? ns : "default";
        Subscription = address.Get("subscription") is { Length: > 0 } subscription ? subscription : null;
        if (input && Subscription is null)
            throw new ConfigurationException($"{address}: 'subscription' is missing; a Pulsar input reads through a named subscription, shared by every consumer that gives the same name, e.g. {Example}");
        SubscriptionType = address.Get("subscription_type")?.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal) switch
        {
            null or "shared" => "Shared",
            "keyshared" => "Key_Shared",
            "failover" => "Failover",
            "exclusive" => "Exclusive",
            var other => throw new ConfigurationException($"{address}: subscription_type={other} must be shared, key_shared, failover or exclusive."),
        };
        InitialPosition = address.Get("initial_position")?.ToLowerInvariant() switch
        {
            null or "earliest" => "Earliest",
            "latest" => "Latest",
            var other => throw new ConfigurationException($"{address}: initial_position={other} must be earliest or latest."),
        };
        // The WebSocket service takes at most 1000 (and lets no more than this many be unacknowledged).
        ReceiverQueue = address.GetInt("receiver_queue", 1000, 1, 1000);
        ConsumerName = address.Get("consumer_name") is { Length: > 0 } consumerName ? consumerName : null;
        SendTimeoutMs = address.GetInt("send_timeout_ms", 30_000, 1000);
        MaxPending = address.GetInt("max_pending", 1000, 1, 100_000);
        ConnectTimeout = TimeSpan.FromMilliseconds(address.GetInt("connect_timeout_ms", 10_000, 100));
        Format = ChannelCatalog.Format(address);
        TlsVerify = address.GetBool("tls_verify", true);
        if (address.Get("tls_ca") is { Length: > 0 } ca)
        {
            if (!Tls) throw new ConfigurationException($"{address}: tls_ca= applies to TLS connections; add tls=true.");
            _authorities = [];
            try { _authorities.ImportFromPemFile(ca); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ConfigurationException($"{address}: cannot read the certificates of tls_ca={ca}: {ex.Message}");
            }
            if (_authorities.Count == 0) throw new ConfigurationException($"{address}: tls_ca={ca} holds no PEM certificate.");
        }
        _token = Token(address);
    }

    public static PulsarSettings Parse(ChannelAddress address, bool input) => new(address, input);

    /// <summary>The address without token, for logs and messages.</summary>
    public string Name { get; }

    public bool Tls { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>A path before <c>/ws/v2/...</c>, for a WebSocket service behind a reverse proxy; usually empty.</summary>
    public string PathPrefix { get; }

    public string Tenant { get; }
    public string Namespace { get; }
    public string Topic { get; }

    /// <summary>The subscription inputs read through; null for an output address without one.</summary>
    public string? Subscription { get; }

    /// <summary>As the WebSocket API spells it: Shared (default), Key_Shared, Failover or Exclusive.</summary>
    public string SubscriptionType { get; }

    /// <summary>Where a new subscription starts: Earliest (default: what was published before the first consumer is read too) or Latest.</summary>
    public string InitialPosition { get; }

    public int ReceiverQueue { get; }
    public string? ConsumerName { get; }
    public int SendTimeoutMs { get; }

    /// <summary>Messages an output sends ahead of their receipts.</summary>
    public int MaxPending { get; }

    public TimeSpan ConnectTimeout { get; }
    public MessageFormat Format { get; }
    public bool TlsVerify { get; }

    /// <summary>Whether requests carry <c>Authorization: Bearer</c>.</summary>
    public bool HasToken => _token is not null;

    /// <summary>Where the service is, for messages: <c>ws://host:port</c>.</summary>
    public string Service => $"{(Tls ? "wss" : "ws")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}{PathPrefix}";

    /// <summary>The consumer endpoint. The token is never in it: it goes in a header.</summary>
    public Uri ConsumerUri(ChannelContext context)
    {
        var consumer = ConsumerName ?? $"{context.ProgramId}-{context.WorkerId.ToString(CultureInfo.InvariantCulture)}";
        return new Uri($"{Service}/ws/v2/consumer/persistent/{Segment(Tenant)}/{Segment(Namespace)}/{Segment(Topic)}/{Segment(Subscription!)}"
                       + $"?subscriptionType={SubscriptionType}&receiverQueueSize={ReceiverQueue.ToString(CultureInfo.InvariantCulture)}"
                       + $"&subscriptionInitialPosition={InitialPosition}&consumerName={Uri.EscapeDataString(consumer)}");
    }

    /// <summary>The producer endpoint.</summary>
    public Uri ProducerUri() =>
        new($"{Service}/ws/v2/producer/persistent/{Segment(Tenant)}/{Segment(Namespace)}/{Segment(Topic)}"
            + $"?sendTimeoutMillis={SendTimeoutMs.ToString(CultureInfo.InvariantCulture)}&maxPendingMessages={MaxPending.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The token header, TLS checks and keep-alive pings of a connection.</summary>
    public void Configure(ClientWebSocketOptions options)
    {
        options.CollectHttpResponseDetails = true; // to tell a refused token (401) from a missing service (404)
        options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        options.KeepAliveTimeout = TimeSpan.FromSeconds(15); // a vanished service is noticed within about 30 s
        if (_token is not null) options.SetRequestHeader("Authorization", "Bearer " + _token);
        if (Tls && (!TlsVerify || _authorities is not null)) options.RemoteCertificateValidationCallback = Validate;
    }

    bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!TlsVerify) return true;
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    static string Segment(string name) => Uri.EscapeDataString(name);

    static string? Token(ChannelAddress address)
    {
        var given = 0;
        foreach (var key in (string[])["token", "token_env", "token_file"])
            if (address.Query.ContainsKey(key)) given++;
        if (given > 1) throw new ConfigurationException($"{address}: give the token one way: token_env=, token_file= or token=.");
        if (address.Get("token_env") is { } variable)
            return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
                : throw new ConfigurationException($"{address}: the environment variable {variable} (token_env) is not set.");
        if (address.Get("token_file") is { } file)
        {
            try
            {
                return File.ReadAllText(file).Trim() is { Length: > 0 } fromFile ? fromFile
                    : throw new ConfigurationException($"{address}: token_file {file} is empty.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"{address}: cannot read token_file {file}: {ex.Message}");
            }
        }
        return address.Get("token") is { Length: > 0 } inline ? inline : null;
    }
}
