namespace IntelMQ.Parsers.Stix;

/// <summary>One equality of a STIX pattern: <c>ipv4-addr:value = '198.51.100.1'</c> is ("ipv4-addr", "value", "198.51.100.1").</summary>
public sealed record StixComparison(string ObjectType, string Path, string Value);
