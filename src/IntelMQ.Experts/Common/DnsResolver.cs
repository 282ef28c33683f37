using System.Net;
using DnsClient;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Common;

/// <summary>The DNS client of the experts that look names up: the given name servers (or the system's), its own answers cached by the expert.</summary>
static class DnsResolver
{
    /// <exception cref="ConfigurationException">A name server is not IP or IP:port, or there is none at all.</exception>
    public static LookupClient Create(string program, IReadOnlyList<string> nameServers, double timeoutSeconds, int retries)
    {
        var servers = nameServers.Select(text => ParseNameServer(program, text)).ToArray();
        var options = servers.Length == 0 ? new LookupClientOptions() : new LookupClientOptions(servers);
        options.Timeout = TimeSpan.FromSeconds(timeoutSeconds);
        options.Retries = retries;
        options.UseCache = false; // each expert keeps its answers, 'no such name' included, in a LookupCache
        options.ThrowDnsErrors = false;
        options.UseRandomNameServer = false;
        try
        {
            return new LookupClient(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException($"{program}: {ex.Message}. Give the name servers, e.g. --set 'name_servers=[\"9.9.9.9\"]'.");
        }
    }

    static NameServer ParseNameServer(string program, string text)
    {
        if (!IPEndPoint.TryParse(text, out var endpoint))
            throw new ConfigurationException($"{program}: option 'name_servers': '{text}' is not an IP address or IP:port (IPv6 with a port: [::1]:53).");
        return new NameServer(endpoint.Address, endpoint.Port == 0 ? 53 : endpoint.Port);
    }
}
