namespace IntelMQ.Outputs.Elasticsearch;

/// <summary>IntelMQ's rotate_index: one index, or one per day, ISO week, month or year of the event's time.</summary>
public enum IndexRotation { Never, Daily, Weekly, Monthly, Yearly }
