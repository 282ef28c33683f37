namespace IntelMQ.Experts.Deduplicator;

/// <summary>A mark to set in a seen store: until when it lives (Unix seconds) and what it holds (an event id), if anything.</summary>
readonly record struct SeenMark(long Expires, string? Value);
