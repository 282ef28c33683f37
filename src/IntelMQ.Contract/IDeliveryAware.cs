namespace IntelMQ.Contract;

/// <summary>
/// A program that keeps state about what it passed on (a deduplicator's marks, a threshold's counts): the runtime calls
/// <see cref="Delivered"/> once everything the program emitted since the last call has been handed on and confirmed
/// downstream, before the input is acknowledged. State committed only then is never ahead of what was delivered, so a
/// failed hand-off that is retried (or redelivered after a crash) finds the state as it was.
/// </summary>
public interface IDeliveryAware
{
    void Delivered();
}
