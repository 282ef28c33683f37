namespace IntelMQ.Core;

/// <summary>How messages are laid out on a channel, one JSON document per line.</summary>
public enum MessageFormat
{
    /// <summary>Reading only: detect each line's format.</summary>
    Auto,
    /// <summary>IDF packets: <c>{"meta": {...}, "data": [event, ...]}</c>.</summary>
    Idf,
    /// <summary>One bare IDF event per line.</summary>
    Ndjson,
    /// <summary>IntelMQ 3.x's flat JSON messages (<c>source.ip</c>, <c>__type</c>).</summary>
    Dho,
}
