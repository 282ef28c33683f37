namespace IntelMQ.Outputs.EventDb;

/// <summary>How much time one partition of the eventdb's event table holds (UTC; weeks start on Monday, as ISO weeks do).</summary>
public enum PartitionInterval { Day, Week, Month, Year }
