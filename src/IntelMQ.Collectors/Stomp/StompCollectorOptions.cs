using IntelMQ.Contract;

namespace IntelMQ.Collectors.Stomp;

/// <summary>Options of the STOMP collector: IntelMQ's stomp collector parameters (n6's stream among others), and ours.</summary>
public sealed record StompCollectorOptions
{
    [Option("The STOMP broker's host name or address.")]
    public string Server { get; set; } = "n6stream.cert.pl";

    [Option("The STOMP broker's port.", Min = 1, Max = 65535)]
    public int Port { get; set; } = 61614;

    [Option("The STOMP destination to subscribe to, e.g. /exchange/my.example.org/*.*.*.* (n6 gives it).")]
    public string? Exchange { get; set; }

    [Option("The CONNECT frame's host header (RabbitMQ: the virtual host); empty: server, as IntelMQ's collector sends it and n6 expects. A plain RabbitMQ refuses a host that names none of its virtual hosts: give / there.")]
    public string? Vhost { get; set; }

    [Option("The heart-beat interval in milliseconds offered both ways; 0 for none. A broker silent for twice its interval is taken as gone.", Min = 0)]
    public int Heartbeat { get; set; } = 6000;

    [Option("true: connect with TLS (as IntelMQ always does); false: plain TCP, for a broker on a trusted network.")]
    public bool Ssl { get; set; } = true;

    [Option("The PEM file (or directory) of the CA certificates the broker's certificate must chain to; empty: the system's CAs. For n6's legacy CA give its ca.pem.")]
    public string? SslCaCertificate { get; set; }

    [Option("true: authenticate with ssl_client_certificate (and its key); false: with username and password (n6's newer authentication).")]
    public bool AuthBySslClientCertificate { get; set; } = true;

    [Option("The PEM file of the client certificate (and its private key, unless ssl_client_certificate_key is given).")]
    public string? SslClientCertificate { get; set; }

    [Option("The PEM file of the client certificate's private key.")]
    public string? SslClientCertificateKey { get; set; }

    [Option("The STOMP login, used when auth_by_ssl_client_certificate is false.")]
    public string Username { get; set; } = "guest";

    [Option("The STOMP passcode, used when auth_by_ssl_client_certificate is false.")]
    public Secret? Password { get; set; }
}
