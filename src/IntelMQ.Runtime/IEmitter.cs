using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>Where a component hands its results. The runtime acknowledges the input only after they are safely passed on.</summary>
public interface IEmitter
{
    /// <summary>Passes an event on, to a named output path (IntelMQ's named destination queues) or the default one.</summary>
    void Emit(Event ev, string path = "_default");

    /// <summary>
    /// Reports a part of the input that could not be processed (a report's row, say); it goes to the dump with
    /// its position and the error, and processing goes on. Nothing is dropped silently.
    /// </summary>
    void Reject(string position, string content, Exception error);
}
