using NpgsqlTypes;

namespace IntelMQ.Outputs.EventDb;

/// <summary>A column of the per-connection staging table a batch is COPYed into, and the IDF field it is filled from.</summary>
internal sealed record StagingColumn(string Name, string SqlType, NpgsqlDbType Type, string? Field = null);
