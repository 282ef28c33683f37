using IntelMQ.Core;

namespace IntelMQ.Experts.Bench;

/// <summary>Experts called one after the other, each handing what it emits to the next, as a workflow would without channels.</summary>
sealed class Chain
{
    readonly Stage? _first;
    readonly Sink _sink = new();

    public Chain(IExpert[] experts)
    {
        IEmitter next = _sink;
        for (var i = experts.Length - 1; i >= 0; i--) next = _first = new Stage(experts[i], next, _sink);
    }

    public long Passed => _sink.Passed;
    public long Dropped => _sink.Dropped;

    public void Process(Event ev)
    {
        if (_first is null) _sink.Emit(ev);
        else _first.Emit(ev);
    }

    /// <summary>The events that come out at the end, for the next chain.</summary>
    public List<Event> Run(List<Event> events)
    {
        if (_first is null) return events;
        _sink.Keep = [];
        foreach (var ev in events) _first.Emit(ev);
        var kept = _sink.Keep;
        _sink.Keep = null;
        return kept;
    }

    sealed class Stage(IExpert expert, IEmitter next, Sink sink) : IEmitter
    {
        // The expert's output is the next stage: what it emits on _default is processed there, what it drops is counted.
        // A named path (the filter's filter_match and filter_no_match) leads out of the chain.
        public void Emit(Event ev, string path = Paths.Default)
        {
            if (path == Paths.Default) expert.Process(ev, next);
            else sink.Routed++;
        }

        public void Reject(string position, string content, Exception error) => throw error;
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => throw error;
        public void Drop(Event ev, string reason) => sink.Drop(ev, reason);
    }

    sealed class Sink : IEmitter
    {
        public long Passed, Dropped, Routed;
        public List<Event>? Keep;

        public void Emit(Event ev, string path = Paths.Default)
        {
            if (path != Paths.Default)
            {
                Routed++;
                return;
            }
            Passed++;
            Keep?.Add(ev);
        }

        public void Reject(string position, string content, Exception error) => throw error;
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => throw error;
        public void Drop(Event ev, string reason) => Dropped++;
    }
}
