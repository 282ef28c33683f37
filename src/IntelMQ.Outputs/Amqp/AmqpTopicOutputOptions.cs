using IntelMQ.Contract;

namespace IntelMQ.Outputs.Amqp;

public sealed record AmqpTopicOutputOptions
{
    [Option("The AMQP server's host name or address.")]
    public string ConnectionHost { get; set; } = "127.0.0.1";

    [Option("The AMQP server's port (5671 with use_ssl).", Min = 1, Max = 65535)]
    public int ConnectionPort { get; set; } = 5672;

    [Option("The virtual host.")]
    public string ConnectionVhost { get; set; } = "/";

    [Option("Attempts to connect before the batch is retried later.", Min = 1, Max = 100)]
    public int ConnectionAttempts { get; set; } = 3;

    [Option("The heartbeat interval asked of the server, in seconds.", Min = 0, Max = 86_400)]
    public int ConnectionHeartbeat { get; set; } = 3600;

    [Option("The user.")]
    public string Username { get; set; } = "guest";

    [Option("The user's password.")]
    public Secret Password { get; set; } = new("guest");

    [Option("TLS to the server (usually port 5671).")]
    public bool UseSsl { get; set; }

    [Option("The exchange to publish to; empty for the default exchange (the routing key names a queue).")]
    public string ExchangeName { get; set; } = "";

    [Option("The exchange's type, when it is declared: topic, direct, fanout or headers.")]
    public string ExchangeType { get; set; } = "topic";

    [Option("Declare the exchange durable (it survives a broker restart).")]
    public bool ExchangeDurable { get; set; } = true;

    [Option("1: non-persistent messages; 2: persistent (written to disk in durable queues).", Min = 1, Max = 2)]
    public int DeliveryMode { get; set; } = 2;

    [Option("The routing key (required); with format_routing_key, IntelMQ's format of event fields, e.g. {ev[classification.type]}.")]
    public string RoutingKey { get; set; } = "";

    [Option("Fill the routing key from each event's fields ({ev[field]}; a missing field gives 'None', as in IntelMQ).")]
    public bool FormatRoutingKey { get; set; }

    [Option("Publish mandatory and wait for the broker's confirms: an event counts as delivered once confirmed, one no queue takes is refused.")]
    public bool RequireConfirmation { get; set; } = true;

    [Option("Publish only this field's value (IntelMQ or IDF name; raw gives the original data); empty publishes the whole event.")]
    public string SingleKey { get; set; } = "";

    [Option("Keep the event's raw field (the original data, base64).")]
    public bool KeepRawField { get; set; }

    [Option("The messages' content type; only application/json is written.")]
    public string ContentType { get; set; } = "application/json";

    [Option("Nest the JSON at the dots of the field names ({\"source\": {\"ip\": ...}}).")]
    public bool MessageHierarchicalOutput { get; set; }

    [Option("Write __type (\"Event\").")]
    public bool MessageWithType { get; set; }

    [Option("Accepted for IntelMQ configurations: extra is written as its fields (extra.x) either way.")]
    public bool MessageJsondictAsString { get; set; }
}
