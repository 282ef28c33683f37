using IntelMQ.Core;

namespace IntelMQ.Tests.Experts;

/// <summary>An emitter that keeps what a component hands on, for assertions.</summary>
public sealed class EventCollector : IEmitter
{
    public List<Event> Events { get; } = [];
    /// <summary>The path of each event in <see cref="Events"/>, in the same order.</summary>
    public List<string> Paths { get; } = [];
    public List<(Event Event, string Reason)> Dropped { get; } = [];

    public void Emit(Event ev, string path = IntelMQ.Contract.Paths.Default)
    {
        lock (Events)
        {
            Events.Add(ev);
            Paths.Add(path);
        }
    }

    public void Reject(string position, string content, Exception error) => throw new InvalidOperationException($"unexpected reject at {position}: {error.Message}");
    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => throw new InvalidOperationException($"unexpected reject at {position}: {error.Message}");

    public void Drop(Event ev, string reason)
    {
        lock (Dropped) Dropped.Add((ev, reason));
    }
}
