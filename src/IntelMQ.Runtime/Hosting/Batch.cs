using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime;

/// <summary>One received batch on its way through the pipeline.</summary>
public sealed class Batch(IReadOnlyList<Delivery> deliveries)
{
    public IReadOnlyList<Delivery> Deliveries { get; } = deliveries;

    /// <summary>The deliveries that could be read, in order; an unreadable one is dumped and not here.</summary>
    public List<Message> Messages { get; } = new(deliveries.Count);
}

/// <summary>A delivery read into its events (one for a DHO message, many for an IDF packet; reports for a parser).</summary>
public sealed record Message(Delivery Delivery, List<Event> Events);
