using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace IntelMQ.Tests.Channels;

/// <summary>
/// A private rabbitmq-server for one test class: its own temporary directory, node name and free ports (AMQP,
/// distribution, epmd), stopped with rabbitmqctl and, failing that, killed by process id. When rabbitmq-server is not
/// installed, <see cref="Unavailable"/> says so and the tests skip. <see cref="RabbitMQStompServer"/> also speaks STOMP.
/// </summary>
public class RabbitMQServer : IAsyncLifetime
{
    const string Bin = "/usr/lib/rabbitmq/bin";
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    readonly string _directory = Directory.CreateTempSubdirectory("intelmq-rabbitmq-").FullName;
    readonly Queue<string> _outputTail = new();
    Process? _server;
    readonly bool _stomp;
    int _distributionPort, _epmdPort;

    public RabbitMQServer() : this(stomp: false) { }

    /// <param name="stomp">Also enable rabbitmq_stomp, listening on <see cref="StompPort"/>.</param>
    protected RabbitMQServer(bool stomp) => _stomp = stomp;

    /// <summary>The AMQP port on 127.0.0.1 (user guest, password guest).</summary>
    public int Port { get; private set; }

    /// <summary>The STOMP port on 127.0.0.1 (guest/guest, virtual host /), when enabled.</summary>
    public int StompPort { get; private set; }

    /// <summary>Why there is no server (the tests skip with this reason), or null.</summary>
    public string? Unavailable { get; private set; }

    public string NodeName => $"intelmq{Port}@localhost";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Bin, "rabbitmq-server")))
        {
            Unavailable = $"rabbitmq-server is not installed ({Bin}/rabbitmq-server); apt-get install rabbitmq-server to run the AMQP tests.";
            return;
        }
        File.WriteAllText(Path.Combine(_directory, "plugins"), _stomp ? "[rabbitmq_stomp]." : "[].");
        // A port taken between choosing and binding makes the node exit at once: try again with other ports.
        for (var attempt = 1; ; attempt++)
        {
            lock (_outputTail) _outputTail.Clear();
            var ports = FreePorts(4);
            (Port, _distributionPort, _epmdPort, StompPort) = (ports[0], ports[1], ports[2], ports[3]);
            if (_stomp) File.WriteAllText(Path.Combine(_directory, "rabbitmq.conf"), $"stomp.listeners.tcp.1 = 127.0.0.1:{StompPort}\n");
            _server = Start(Path.Combine(Bin, "rabbitmq-server"));
            if (await WaitUntilReadyAsync()) return;
            var output = Tail();
            await StopAsync();
            if (attempt < 3) continue;
            try { Directory.Delete(_directory, recursive: true); }
            catch (IOException) { }
            throw new InvalidOperationException($"rabbitmq-server did not accept AMQP connections on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s:\n{output}");
        }
    }

    Process Start(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["RABBITMQ_NODE_PORT"] = Port.ToString();
        start.Environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString();
        start.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
        start.Environment["RABBITMQ_NODENAME"] = NodeName;
        start.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        start.Environment["HOME"] = _directory;
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "plugins");
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq");
        var process = Process.Start(start)!;
        return process;
    }

    async Task<bool> WaitUntilReadyAsync()
    {
        var server = _server!;
        server.OutputDataReceived += (_, e) => Remember(e.Data);
        server.ErrorDataReceived += (_, e) => Remember(e.Data);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Port, RequestedConnectionTimeout = TimeSpan.FromSeconds(2), AutomaticRecoveryEnabled = false };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (server.HasExited) return false;
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return true;
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or SocketException)
            {
                await Task.Delay(250);
            }
        }
        return false;
    }

    void Remember(string? line)
    {
        if (line is null) return;
        lock (_outputTail)
        {
            _outputTail.Enqueue(line);
            while (_outputTail.Count > 40) _outputTail.Dequeue();
        }
    }

    string Tail()
    {
        lock (_outputTail) return string.Join('\n', _outputTail);
    }

    /// <summary>Runs rabbitmqctl against this node (e.g. <c>list_queues</c>, <c>close_all_connections</c>) and returns its output.</summary>
    public async Task<string> ControlAsync(params string[] args)
    {
        using var ctl = Start(Path.Combine(Bin, "rabbitmqctl"), ["-n", NodeName, .. args]);
        var stdout = ctl.StandardOutput.ReadToEndAsync();
        var stderr = ctl.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await ctl.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            ctl.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbitmqctl {string.Join(' ', args)} did not finish in 60 s");
        }
        if (ctl.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} exited with {ctl.ExitCode}: {await stderr}");
        return await stdout;
    }

    /// <summary>Messages ready (not delivered to a consumer) in a queue, as the broker counts them; 0 before it exists.</summary>
    public async Task<uint> ReadyAsync(string queue)
    {
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Port, AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // not declared yet
        }
    }

    async Task StopAsync()
    {
        var server = _server;
        _server = null;
        if (server is null) return;
        if (!server.HasExited)
        {
            try
            {
                await ControlAsync("stop");
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // the node may not have come up; it is killed below
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await server.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
        }
        server.Dispose();
        // epmd daemonizes itself and outlives the node; it listens on our own port, so ask exactly that one to exit.
        try
        {
            var epmd = new ProcessStartInfo("epmd", "-kill") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            epmd.Environment["ERL_EPMD_PORT"] = _epmdPort.ToString();
            using var process = Process.Start(epmd)!;
            await process.WaitForExitAsync();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no epmd on the PATH: nothing of ours to stop
        }
    }

    static int[] FreePorts(int count)
    {
        var listeners = new TcpListener[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l?.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public override string ToString() => $"rabbitmq-server {NodeName} on 127.0.0.1:{Port}";
}
