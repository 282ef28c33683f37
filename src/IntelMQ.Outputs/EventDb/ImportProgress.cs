namespace IntelMQ.Outputs.EventDb;

/// <summary>Where an import of an IntelMQ events table stands, after a committed batch.</summary>
/// <param name="LastId">The id of the last row imported (or refused); the next batch starts after it.</param>
/// <param name="MaxId">The source table's greatest id when the import started.</param>
public readonly record struct ImportProgress(long LastId, long MaxId, long Imported, long Refused);
