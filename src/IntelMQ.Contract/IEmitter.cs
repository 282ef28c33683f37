using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>
/// Where a component hands its results. The runtime acknowledges the input only after everything handed here is
/// safely passed on (or dumped), so a component never acknowledges anything itself.
/// </summary>
public interface IEmitter
{
    /// <summary>Passes an event on, to a named output path (IntelMQ's named destination queues) or the default one.</summary>
    /// <remarks>A path other than <c>_default</c> must be declared in <see cref="ProgramAttribute.Paths"/>.</remarks>
    void Emit(Event ev, string path = Paths.Default);

    /// <summary>
    /// Reports a part of the input that could not be processed (a report's row, say); it goes to the dump with
    /// its position and the error, and processing goes on. Nothing is dropped silently.
    /// </summary>
    void Reject(string position, string content, Exception error);

    /// <summary>A part that is not valid text: dumped byte for byte, so that it can be looked at and replayed as it came.</summary>
    void Reject(string position, ReadOnlySpan<byte> content, Exception error);

    /// <summary>
    /// Drops an event on purpose (a filter matched, a duplicate): it is counted with its reason, never silent, and goes
    /// to the run's drop path instead when one is configured.
    /// </summary>
    void Drop(Event ev, string reason);
}

/// <summary>Names of output paths.</summary>
public static class Paths
{
    /// <summary>The path every program emits to unless it names another.</summary>
    public const string Default = "_default";
}
