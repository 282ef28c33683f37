using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace IntelMQ.Tests.Channels;

/// <summary>A private redis-server on a free loopback port, in a temporary directory, stopped by its process id.</summary>
public sealed class RedisServer : IDisposable
{
    readonly Process? _process;
    readonly string _dir;
    readonly Lazy<ConnectionMultiplexer> _client;

    /// <summary>The class fixture: a server without password.</summary>
    public RedisServer() : this([])
    {
    }

    RedisServer(string[] extraArguments, int port = 0)
    {
        _dir = Directory.CreateTempSubdirectory("redis-test-").FullName;
        _client = new(() => ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { { "127.0.0.1", Port } }, Password = Password }));
        if (!File.Exists("/usr/bin/redis-server") && !File.Exists("/usr/local/bin/redis-server"))
        {
            Unavailable = "redis-server is not installed; apt-get install redis-server to run the Redis tests (.ci/run does).";
            return;
        }
        Port = port == 0 ? FreePort() : port;
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", _dir, "--daemonize", "no", "--logfile", Path.Combine(_dir, "redis.log"), .. extraArguments])
            start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start redis-server");
        WaitUntilReady(extraArguments);
    }

    /// <summary>Why no server could be started (redis-server is not installed), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>This server, or the test is skipped with the reason.</summary>
    public RedisServer Required()
    {
        Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");
        return this;
    }

    /// <summary>Another server, e.g. with <c>--requirepass</c>; the caller disposes it.</summary>
    public static RedisServer Start(params string[] extraArguments) => new(extraArguments);

    /// <summary>A server on a given port, e.g. one a program was told to use before the server was up.</summary>
    public static RedisServer StartOn(int port) => new([], port);

    public int Port { get; }

    string? Password { get; set; }

    /// <summary>A plain client, as a Python IntelMQ bot or an operator would use, for preparing and checking queues.</summary>
    public IDatabase Client => _client.Value.GetDatabase();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    void WaitUntilReady(string[] arguments)
    {
        var i = Array.IndexOf(arguments, "--requirepass");
        if (i >= 0) Password = arguments[i + 1];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_process!.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Log()}");
            try
            {
                using var socket = new TcpClient("127.0.0.1", Port);
                var stream = socket.GetStream();
                var command = Password is null ? "PING\r\n" : $"AUTH {Password}\r\nPING\r\n";
                stream.Write(Encoding.ASCII.GetBytes(command));
                var buffer = new byte[64];
                var reply = "";
                while (!reply.Contains("PONG", StringComparison.Ordinal) && stream.Read(buffer) is > 0 and var n) reply += Encoding.ASCII.GetString(buffer, 0, n);
                if (reply.Contains("+PONG", StringComparison.Ordinal)) return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"redis-server on port {Port} did not answer PING in 10 s: {Log()}");
            Thread.Sleep(50);
        }
    }

    string Log() => File.Exists(Path.Combine(_dir, "redis.log")) ? File.ReadAllText(Path.Combine(_dir, "redis.log")) : "";

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
