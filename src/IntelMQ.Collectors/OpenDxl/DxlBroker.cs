namespace IntelMQ.Collectors.OpenDxl;

/// <summary>One line of a dxlclient.config's [Brokers]: <c>id=[UniqueId;]Port;HostName[;IpAddress]</c>.</summary>
/// <param name="IpAddress">Tried when the host name cannot be reached, as the OpenDXL client does.</param>
public sealed record DxlBroker(string? UniqueId, int Port, string HostName, string? IpAddress);
