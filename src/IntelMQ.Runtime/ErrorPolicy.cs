namespace IntelMQ.Runtime;

/// <summary>What happens when processing a message throws (<c>on_error</c>).</summary>
public enum ErrorPolicy
{
    /// <summary>Send the message, the error and its origin to the dump and go on (IntelMQ's error_procedure: pass).</summary>
    Dump,
    /// <summary>Try again with backoff (a database that is down is not a bad message), then dump.</summary>
    Retry,
    /// <summary>Stop the program without acknowledging the message, so that it is redelivered after the fix.</summary>
    Stop,
}
