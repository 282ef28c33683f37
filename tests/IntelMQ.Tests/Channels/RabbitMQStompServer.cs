namespace IntelMQ.Tests.Channels;

/// <summary>A private RabbitMQ with the rabbitmq_stomp plugin (Debian's rabbitmq-server ships it): a real STOMP broker.</summary>
public sealed class RabbitMQStompServer() : RabbitMQServer(stomp: true);
