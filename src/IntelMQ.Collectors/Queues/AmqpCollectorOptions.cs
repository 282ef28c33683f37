using IntelMQ.Contract;

namespace IntelMQ.Collectors.Queues;

/// <summary>Options of the AMQP collector: IntelMQ's collector_amqp parameters.</summary>
public sealed record AmqpCollectorOptions
{
    [Option("The AMQP server's host name or address.")]
    public string ConnectionHost { get; set; } = "127.0.0.1";

    [Option("The AMQP server's port (5671 is the usual one with use_ssl).", Min = 1, Max = 65535)]
    public int ConnectionPort { get; set; } = 5672;

    [Option("The virtual host.")]
    public string ConnectionVhost { get; set; } = "/";

    [Option("How many times a run tries to connect before it gives up until the next (with backoff).", Min = 1, Max = 100)]
    public int ConnectionAttempts { get; set; } = 3;

    [Option("The heartbeat interval agreed with the server, in seconds (0: none).", Min = 0, Max = 65535)]
    public int ConnectionHeartbeat { get; set; } = 3600;

    [Option("The user name (RabbitMQ's default user when not given).")]
    public string? Username { get; set; }

    [Option("The user's password.")]
    public Secret? Password { get; set; }

    [Option("The queue to take messages from; it must exist (other systems fill it).")]
    public string? QueueName { get; set; }

    [Option("Connect with TLS, verifying the server's certificate against the system's CAs (or ssl_ca_certificate).")]
    public bool UseSsl { get; set; }

    [Option("With use_ssl: a PEM file of the CA certificates to trust instead of the system's.")]
    public string? SslCaCertificate { get; set; }

    [Option("Each message is an IntelMQ report (JSON, as IntelMQ's AMQP output or pipeline writes it): its raw becomes the body and its fields the report's. Otherwise the message body is the report's body as it is.")]
    public bool ExpectIntelmqMessage { get; set; }
}
