using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// What a component emits for one unit of work (a report, an event), held until the unit succeeded: a unit that fails
/// is dumped whole, so none of its events may have gone out.
/// </summary>
public sealed class Staging(RunState run) : IEmitter
{
    public List<(string Path, Event Event)> Events { get; } = [];
    public string Position { get; set; } = "";
    public int Dropped { get; private set; }

    public void Reset(string position)
    {
        Events.Clear();
        Dropped = 0;
        Position = position;
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
            if (run.Router.Route(path, ev))
            {
                var sent = run.Counters.SentByPath;
                sent[path] = sent.GetValueOrDefault(path) + 1;
            }
            else run.DumpFailure(Position, new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=URI"), RunState.EventText(ev), "event");
        }
        run.Counters.Dropped += Dropped;
        Events.Clear();
        Dropped = 0;
    }
}
