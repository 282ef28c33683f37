using System.Globalization;
using IntelMQ.Contract;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>A server's host and port, from <c>host</c>, <c>host:port</c> or <c>[IPv6]:port</c>.</summary>
public readonly record struct CqlEndpoint(string Host, int Port)
{
    public const int DefaultPort = 9042;

    /// <exception cref="ConfigurationException">The text is not a host with an optional port.</exception>
    public static CqlEndpoint Parse(string owner, string text)
    {
        string host = text.Trim();
        string? port = null;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 0) throw Wrong(owner, text);
            port = host[(close + 1)..] is [':', .. var p] ? p : host.Length == close + 1 ? null : throw Wrong(owner, text);
            host = host[1..close];
        }
        else if (host.Count(c => c == ':') == 1)
        {
            port = host[(host.IndexOf(':') + 1)..];
            host = host[..host.IndexOf(':')];
        }
        if (host.Length == 0 || host.Any(char.IsWhiteSpace)) throw Wrong(owner, text);
        if (port is null) return new CqlEndpoint(host, DefaultPort);
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535
            ? new CqlEndpoint(host, n)
            : throw Wrong(owner, text);
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    static ConfigurationException Wrong(string owner, string text) =>
        new($"{owner}: option 'hosts': '{text}' is not a host with an optional port; give e.g. cassandra1.example.org:9042, 192.0.2.7 or [2001:db8::7]:9042.");
}
