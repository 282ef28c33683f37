using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// What a component emits for one unit of work (a report, an event), held until the unit succeeded: a unit that fails
/// is dumped whole, so none of its events may have gone out.
/// </summary>
public sealed class Staging(RunState run) : IEmitter
{
    Message? _message;
    int _index;

    public List<(string Path, Event Event)> Events { get; } = [];
    public int Dropped { get; private set; }

    /// <summary>Where the unit came from, for dumps and logs: made only when asked, not for every event.</summary>
    public string Position => _message is null ? "" : Units.Position(_message, _index);

    /// <summary>Starts event <paramref name="index"/> of <paramref name="message"/> (or its next attempt).</summary>
    public void Reset(Message message, int index)
    {
        Clear();
        _message = message;
        _index = index;
    }

    /// <summary>Forgets what an attempt emitted, before the next attempt of the same unit.</summary>
    public void Clear()
    {
        Events.Clear();
        Dropped = 0;
    }

    public void Emit(Event ev, string path = Paths.Default) => Events.Add((path, ev));

    public void Reject(string position, string content, Exception error) => run.DumpFailure($"{Position}, {position}", error, content, "part");

    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => run.DumpFailure($"{Position}, {position}", error, content, "part");

    public void Drop(Event ev, string reason)
    {
        Dropped++;
        run.Log.LogDebug("{Position}: dropped: {Reason}", Position, reason);
        if (run.Options.DropPath is { } path) Events.Add((path, ev));
    }

    /// <summary>Hands the unit's events to the outputs; an event for a path without channels goes to the dump.</summary>
    public void Commit()
    {
        foreach (var (path, ev) in Events)
        {
            if (run.Router.Route(path, ev)) run.Counters.CountSent(path);
            else run.DumpFailure(Position, new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=URI"), RunState.EventText(ev), "event");
        }
        run.Counters.Dropped += Dropped;
        Events.Clear();
        Dropped = 0;
    }
}
