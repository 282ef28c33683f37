using IntelMQ.Contract;

namespace IntelMQ.Collectors.Api;

/// <summary>Options of the API collector: IntelMQ's collector_api parameters, and ours for the address and the token.</summary>
public sealed record ApiCollectorOptions
{
    [Option("The TCP port to listen on (IntelMQ's port).", Min = 0, Max = 65535)]
    public int Port { get; set; } = 5000;

    [Option("The address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface), or another of this machine's.")]
    public string Address { get; set; } = "127.0.0.1";

    [Option("Listen on the Unix socket socket_path instead of TCP.")]
    public bool UseSocket { get; set; }

    [Option("The Unix socket's path, with use_socket.")]
    public string SocketPath { get; set; } = "/tmp/imq_api_default_socket";

    [Option("The token a client must send as `Authorization: Bearer TOKEN`; without one, every client that reaches the port may push.")]
    public Secret? Token { get; set; }

    [Option("The largest request body accepted, in bytes.", Min = 1, Max = 1 << 30)]
    public long MaxBodySize { get; set; } = 64L << 20;
}
