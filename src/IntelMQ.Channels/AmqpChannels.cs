using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>
/// <c>amqp://USER:PASS@HOST:PORT/VHOST?queue=NAME</c> (<c>amqps://</c> for TLS) — a durable RabbitMQ queue (AMQP 0-9-1).
/// Inputs consume with manual acknowledgements and a prefetch window; outputs publish persistent messages and wait for
/// the publisher confirms. Options and guarantees: docs/channels/amqp.md.
/// </summary>
public static class AmqpChannels
{
    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context) =>
        new AmqpInputChannel(AmqpSettings.Parse(address, input: true), context);

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context) =>
        new AmqpOutputChannel(AmqpSettings.Parse(address, input: false), context);
}
