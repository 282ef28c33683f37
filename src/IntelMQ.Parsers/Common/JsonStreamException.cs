using System.Text.Json;

namespace IntelMQ.Parsers.Common;

/// <summary>A JSON report that cannot be read on from <see cref="Offset"/>: not JSON there, or it ends inside a value.</summary>
public sealed class JsonStreamException(string message, long offset, Exception? inner = null) : JsonException(message, inner)
{
    /// <summary>Where the part that cannot be read starts, in bytes from the start of the report.</summary>
    public long Offset { get; } = offset;
}
