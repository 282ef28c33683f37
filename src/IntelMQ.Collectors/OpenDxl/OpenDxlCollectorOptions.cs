using IntelMQ.Contract;

namespace IntelMQ.Collectors.OpenDxl;

/// <summary>Options of the OpenDXL collector: IntelMQ's opendxl collector parameters.</summary>
public sealed record OpenDxlCollectorOptions
{
    [Option("The dxlclient.config file the fabric's provisioning gave: [Certs] BrokerCertChain, CertFile and PrivateKey (PEM files, relative to the config file's folder), and the brokers under [Brokers].")]
    public string? DxlConfigFile { get; set; }

    [Option("The DXL topic to subscribe to, e.g. /mcafee/event/atd/file/report (McAfee ATD's file reports).")]
    public string? DxlTopic { get; set; }
}
