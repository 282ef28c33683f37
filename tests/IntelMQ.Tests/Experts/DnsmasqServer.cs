using System.Diagnostics;
using System.Net;
using DnsClient;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Experts;

/// <summary>
/// A private dnsmasq on a free loopback port serving a test zone given as dnsmasq configuration lines
/// (txt-record=, ptr-record=, local=/zone/ for authoritative 'no such name'); stopped by its process id.
/// </summary>
public sealed class DnsmasqServer : IDisposable
{
    const string Binary = "/usr/sbin/dnsmasq";
    readonly Process? _process;
    readonly string _dir;

    public DnsmasqServer(IEnumerable<string> zone)
    {
        _dir = Directory.CreateTempSubdirectory("dnsmasq-test-").FullName;
        if (!File.Exists(Binary))
        {
            Unavailable = "dnsmasq is not installed; apt-get install dnsmasq to run the DNS lookup tests.";
            return;
        }
        var config = Path.Combine(_dir, "zone.conf");
        File.WriteAllLines(config, ["no-resolv", "no-hosts", "bind-interfaces", "listen-address=127.0.0.1", .. zone]);
        Port = RedisServer.FreePort();
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--keep-in-foreground", $"--conf-file={config}", $"--port={Port}", $"--pid-file={Path.Combine(_dir, "pid")}", "--user=root", "--log-facility=-"])
            start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dnsmasq");
        WaitUntilReady();
    }

    /// <summary>Why no server could be started (dnsmasq is not installed), or null.</summary>
    public string? Unavailable { get; }

    public int Port { get; }

    /// <summary>The server as a name_servers entry.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>This server, or the test is skipped with the reason.</summary>
    public DnsmasqServer Required()
    {
        Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");
        return this;
    }

    void WaitUntilReady()
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, Port)) { Timeout = TimeSpan.FromMilliseconds(200), Retries = 0, UseCache = false, ThrowDnsErrors = false });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_process!.HasExited) throw new InvalidOperationException($"dnsmasq exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd()}");
            try
            {
                client.Query("ready.invalid", QueryType.A);
                return;
            }
            catch (DnsResponseException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
