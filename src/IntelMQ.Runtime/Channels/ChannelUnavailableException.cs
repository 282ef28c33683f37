namespace IntelMQ.Runtime.Channels;

/// <summary>
/// A channel's server cannot be reached (not running, network down). Unlike a <see cref="ConfigurationException"/>,
/// trying again later can succeed: daemons wait and retry, one-shot runs exit with status 4.
/// </summary>
public sealed class ChannelUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
