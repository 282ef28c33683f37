using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>Enriches, rewrites, routes or filters events. Throwing sends the event to the dump.</summary>
public interface IExpert
{
    void Process(Event ev, IEmitter output);
}
