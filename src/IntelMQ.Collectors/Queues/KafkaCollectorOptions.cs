using IntelMQ.Contract;

namespace IntelMQ.Collectors.Queues;

/// <summary>Options of the Kafka collector: IntelMQ's kafka.collector parameters, and ours for the group and the key.</summary>
public sealed record KafkaCollectorOptions
{
    [Option("The brokers to start from, HOST:PORT separated by commas.")]
    public string BootstrapServers { get; set; } = "localhost:9092";

    [Option("The topic to read.")]
    public string? Topic { get; set; }

    [Option("The consumer group whose committed offsets say where to go on. Default: intelmq- followed by the instance id.")]
    public string? GroupId { get; set; }

    [Option("With TLS: check that the broker's certificate names the host connected to.")]
    public bool SslCheckHostname { get; set; } = true;

    [Option("A PEM file of the client certificate (and its key, unless ssl_client_certificate_key names another file); turns TLS on.")]
    public string? SslClientCertificate { get; set; }

    [Option("A PEM file of the client certificate's private key.")]
    public string? SslClientCertificateKey { get; set; }

    [Option("A PEM file of the CA certificates to trust instead of the system's; turns TLS on.")]
    public string? SslCaCertificate { get; set; }

    [Option("Each message is an IntelMQ report (JSON): its raw becomes the body and its fields the report's. Otherwise the message value is the report's body as it is.")]
    public bool ExpectIntelmqMessage { get; set; }
}
