namespace IntelMQ.Outputs.Cassandra;

/// <summary>A statement the server prepared: its id, and the name and type of each bind marker in order.</summary>
public sealed record CqlPrepared(byte[] Id, IReadOnlyList<string> Names, IReadOnlyList<ushort> Types);
