namespace IntelMQ.Core;

/// <summary>The IDF packet header.</summary>
/// <param name="Producer">A stable, unique string naming the installation that wrote the packet.</param>
/// <param name="CreatedAt">When the packet was written (UTC).</param>
public sealed record PacketMeta(string Producer, DateTimeOffset CreatedAt)
{
    public const string FormatName = "IntelMQ-IDF";
    public const string Version = "1.0";
    public const string Url = "https://github.com/intelmq-net/intelmq-net/blob/main/docs/idf.md";
}
