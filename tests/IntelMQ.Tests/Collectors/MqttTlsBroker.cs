using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IntelMQ.Tests.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// MQTTnet's broker on a free 127.0.0.1 port with TLS, accepting only client certificates issued by the test's CA,
/// keeping the sessions of clients that connect without a clean session (what they did not acknowledge comes again).
/// </summary>
public sealed class MqttTlsBroker : IAsyncDisposable
{
    readonly MqttServer _server;
    readonly X509Certificate2 _authority;
    int _acknowledged;

    MqttTlsBroker(TestCertificates certificates, int port)
    {
        _authority = certificates.Authority;
        Port = port;
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
            .WithEncryptedEndpointPort(port)
            .WithEncryptionCertificate(certificates.Server)
            .WithClientCertificate(IssuedByTheTestAuthority, false)
            .WithPersistentSessions(true)
            .Build();
        _server = factory.CreateMqttServer(options);
        _server.ClientAcknowledgedPublishPacketAsync += _ =>
        {
            Interlocked.Increment(ref _acknowledged);
            return Task.CompletedTask;
        };
        _server.ClientConnectedAsync += e =>
        {
            Connections.Enqueue(e.ClientId);
            return Task.CompletedTask;
        };
        _server.ClientSubscribedTopicAsync += e =>
        {
            Subscriptions.Enqueue((e.ClientId, e.TopicFilter.Topic, e.TopicFilter.QualityOfServiceLevel));
            return Task.CompletedTask;
        };
    }

    public static async Task<MqttTlsBroker> StartAsync(TestCertificates certificates)
    {
        var broker = new MqttTlsBroker(certificates, RedisServer.FreePort());
        await broker._server.StartAsync();
        return broker;
    }

    public int Port { get; }

    /// <summary>The PUBACKs the broker received.</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>The client ids of the connections the broker accepted, in order.</summary>
    public ConcurrentQueue<string> Connections { get; } = new();

    /// <summary>The subscriptions the broker accepted: client id, topic filter and QoS.</summary>
    public ConcurrentQueue<(string ClientId, string Topic, MqttQualityOfServiceLevel Qos)> Subscriptions { get; } = new();

    /// <summary>Publishes a message to a topic with QoS 1, as a DXL client's event reaches its subscribers.</summary>
    public Task PublishAsync(string topic, byte[] message) =>
        _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(message).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()) { SenderClientId = "publisher" }, CancellationToken.None);

    bool IssuedByTheTestAuthority(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions());
        _server.Dispose();
    }
}
