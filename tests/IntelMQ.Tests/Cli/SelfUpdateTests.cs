using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IntelMQ.Tests.Cli;

/// <summary>--self-update-db against a real HTTP server on 127.0.0.1 standing in for Shadowserver's.</summary>
public sealed class SelfUpdateTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly TcpListener _server = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly string _schemaUrl;
    string _body = "";

    // A minimal HTTP server on a port of its own (bound to port 0 and kept, so no other test can take it).
    public SelfUpdateTests()
    {
        _server.Start();
        var port = ((IPEndPoint)_server.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _server.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var request = new byte[8192];
                    var read = 0;
                    while (!Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                        read += await stream.ReadAsync(request.AsMemory(read), _stop.Token);
                    var body = Encoding.UTF8.GetBytes(_body);
                    var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(head, _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                {
                }
            }
        });
        _schemaUrl = $"http://127.0.0.1:{port}/intelmq/v1/schema";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _server.Stop();
        _intelmq.Dispose();
    }

    [Fact]
    public void A_fetched_schema_is_checked_saved_and_used()
    {
        _body = File.ReadAllText(Path.Combine(Paths.Corpus, "intelmq-tests", "parsers", "shadowserver", "_files", "schema.json.test"));
        var update = _intelmq.Run("", "run", "shadowserver-parser", "--self-update-db", "--set", $"schema_url={_schemaUrl}");
        Assert.Equal(0, update.ExitCode);
        Assert.Contains("3 report types", update.Stderr);
        Assert.True(File.Exists(Path.Combine(_intelmq.Home, "var", "data", "shadowserver-parser", "schema.json")));

        // test_telnet exists only in the fetched schema.
        var csv = "timestamp,ip,port,protocol\n2024-05-01 10:00:00,192.0.2.1,23,tcp\n";
        var run = _intelmq.Run(csv, "run", "shadowserver-parser", "--raw", "--set", "file_name=2024-05-01-test_telnet.csv", "--out-format", "ndjson");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"identifier\":\"test-telnet\"", run.Stdout);
    }

    [Fact]
    public void A_broken_schema_is_refused_and_the_current_one_kept()
    {
        _body = "{\"scan_x\": {\"file_name\": \"scan_x\", \"feed_name\": \"X\", \"required_fields\": [[\"source.ip\", \"ip\", \"no_such_conversion\"]]}}";
        var update = _intelmq.Run("", "run", "shadowserver-parser", "--self-update-db", "--set", $"schema_url={_schemaUrl}");
        Assert.Equal(2, update.ExitCode);
        Assert.Contains("no_such_conversion", update.Stderr);
        Assert.False(File.Exists(Path.Combine(_intelmq.Home, "var", "data", "shadowserver-parser", "schema.json")));
    }
}
