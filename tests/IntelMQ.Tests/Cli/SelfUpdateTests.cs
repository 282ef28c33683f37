using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IntelMQ.Tests.Cli;

/// <summary>--self-update-db against a real HTTP server on 127.0.0.1 standing in for Shadowserver's.</summary>
public sealed class SelfUpdateTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly HttpListener _server = new();
    readonly string _url;
    string _body = "";

    public SelfUpdateTests()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _url = $"http://127.0.0.1:{port}/intelmq/v1/schema/";
        _server.Prefixes.Add(_url);
        _server.Start();
        _ = Task.Run(async () =>
        {
            while (_server.IsListening)
            {
                HttpListenerContext context;
                try { context = await _server.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                var bytes = Encoding.UTF8.GetBytes(_body);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        _intelmq.Environment["INTELMQ_SHADOWSERVER_SCHEMA_URL"] = _url;
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Close();
        _intelmq.Dispose();
    }

    [Fact]
    public void A_fetched_schema_is_checked_saved_and_used()
    {
        _body = File.ReadAllText(Path.Combine(Paths.Corpus, "intelmq-tests", "parsers", "shadowserver", "_files", "schema.json.test"));
        var update = _intelmq.Run("", "run", "shadowserver-parser", "--self-update-db");
        Assert.Equal(0, update.ExitCode);
        Assert.Contains("3 report types", update.Stderr);
        Assert.True(File.Exists(Path.Combine(_intelmq.Home, "var", "shadowserver", "schema.json")));

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
        var update = _intelmq.Run("", "run", "shadowserver-parser", "--self-update-db");
        Assert.Equal(2, update.ExitCode);
        Assert.Contains("no_such_conversion", update.Stderr);
        Assert.False(File.Exists(Path.Combine(_intelmq.Home, "var", "shadowserver", "schema.json")));
    }
}
