namespace IntelMQ.Runtime.Channels;

/// <summary>
/// The reader of a pipe (standard output, a named pipe) went away: nothing written from now on can arrive, so
/// retrying is pointless. The run stops with status 3 and the current batch stays unacknowledged.
/// </summary>
public sealed class ChannelClosedException(string message, Exception inner) : IOException(message, inner);
