using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>
/// Enriches, rewrites, routes or filters events with local work (tables in memory, computations): the fast path,
/// called once per event on the runtime's thread. Throwing a <see cref="TransientException"/> means "try again later";
/// any other exception means this event is bad and sends it to the dump (as the run's on_error says).
/// </summary>
public interface IExpert
{
    void Process(Event ev, IEmitter output);
}

/// <summary>
/// An expert that looks things up over the network (DNS, RDAP, a web service). The runtime calls it for many events
/// at once, up to the run's concurrency, each with the run's timeout, so a slow answer delays only its own event.
/// The emitter passed in belongs to that one event. Use <see cref="LookupCache{TKey, TValue}"/> for answers.
/// </summary>
public interface IAsyncExpert
{
    ValueTask ProcessAsync(Event ev, IEmitter output, CancellationToken cancellationToken);
}
