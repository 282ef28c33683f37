namespace IntelMQ.Collectors.Stomp;

/// <summary>One STOMP 1.2 frame: its command, its headers (the first of a repeated name wins, as the spec says) and its body.</summary>
public sealed record StompFrame(string Command, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? this[string header] => Headers.GetValueOrDefault(header);
}
