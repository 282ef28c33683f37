using IntelMQ.Runtime.Channels;

namespace IntelMQ.Channels;

/// <summary>Adds the network and durable transports to a channel catalogue.</summary>
public static class Transports
{
    public static ChannelCatalog AddTransports(this ChannelCatalog catalog) => catalog
        .Add("sqlite", SqliteChannels.OpenInput, SqliteChannels.OpenOutput, "a durable queue in an SQLite file, no server (single host)");
}
