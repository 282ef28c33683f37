namespace IntelMQ.Core;

/// <summary>IntelMQ's two message types: a collector's report (a body still to parse) and a parsed event.</summary>
public enum MessageKind { Event, Report }
