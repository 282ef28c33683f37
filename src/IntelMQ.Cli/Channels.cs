using IntelMQ.Channels;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Cli;

/// <summary>The transports this build ships.</summary>
public static class Channels
{
    public static ChannelCatalog Catalog { get; } = ChannelCatalog.WithBuiltIns().AddTransports();
}
