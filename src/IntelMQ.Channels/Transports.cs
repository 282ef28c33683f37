using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>Adds the network and durable transports to a channel catalogue.</summary>
public static class Transports
{
    public static ChannelCatalog AddTransports(this ChannelCatalog catalog) => catalog
        .Add("sqlite", SqliteChannels.OpenInput, SqliteChannels.OpenOutput, "a durable queue in an SQLite file, no server (single host)", shareable: true)
        .Add("redis", RedisListChannels.OpenInput, RedisListChannels.OpenOutput, "Redis lists, wire-compatible with IntelMQ 3.x queues (DHO; in-flight list per worker)", shareable: true)
        .Add("redis-stream", RedisStreamChannels.OpenInput, RedisStreamChannels.OpenOutput, "a Redis stream read through a consumer group (pending entries, XAUTOCLAIM)", shareable: true)
        .Add("amqp", AmqpChannels.OpenInput, AmqpChannels.OpenOutput, "a durable RabbitMQ queue (AMQP 0-9-1): publisher confirms, manual acks", shareable: true)
        .Add("amqps", AmqpChannels.OpenInput, AmqpChannels.OpenOutput, "amqp over TLS", shareable: true)
        .Add("kafka", KafkaChannels.OpenInput, KafkaChannels.OpenOutput, "a Kafka topic: consumer groups, offsets committed after hand-off, idempotent producer", shareable: true)
        .Add("pulsar", PulsarChannels.OpenInput, PulsarChannels.OpenOutput, "a Pulsar topic through the WebSocket API: shared subscriptions, acks after hand-off", shareable: true);
}
