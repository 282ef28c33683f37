namespace IntelMQ.Experts.Common;

/// <summary>A lookup that got no usable answer (no answer in time, a refused connection, an error status, a malformed body): the event passes on without it.</summary>
sealed class LookupFailure(string message, Exception? inner = null, bool unreachable = false) : Exception(message, inner)
{
    /// <summary>The server's name does not exist or it refused the connection: a definite answer that nothing serves there.</summary>
    public bool Unreachable { get; } = unreachable;
}
