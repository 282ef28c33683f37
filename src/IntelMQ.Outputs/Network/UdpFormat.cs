namespace IntelMQ.Outputs.Network;

/// <summary>How udp-output writes an event: IntelMQ's JSON, or field:value pairs between delimiters.</summary>
public enum UdpFormat { Json, Delimited }
