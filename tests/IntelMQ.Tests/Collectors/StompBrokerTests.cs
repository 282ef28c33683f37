using System.Net.Sockets;
using System.Text;
using IntelMQ.Collectors.Stomp;
using IntelMQ.Contract;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The STOMP collector against a real broker: a private RabbitMQ with rabbitmq_stomp (n6 runs a STOMP broker too).</summary>
public sealed class StompBrokerTests(RabbitMQStompServer broker) : IClassFixture<RabbitMQStompServer>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_real_broker_redelivers_what_was_not_acknowledged()
    {
        Assert.SkipWhen(broker.Unavailable is not null, broker.Unavailable ?? "");
        var (host, port) = ("127.0.0.1", broker.StompPort);
        var queue = $"/queue/intelmq-test-{Guid.NewGuid():N}";
        var options = new StompCollectorOptions
        {
            Server = host, Port = port, Exchange = queue, Ssl = false, AuthBySslClientCertificate = false, Password = new("guest"), Heartbeat = 2000, Vhost = "/",
        };
        var collector = new StompCollector(options, ProgramContext.Default);
        // Subscribing first makes the queue exist before anything is sent to it.
        await using (var first = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token))
        {
            var receiving = first.MoveNextAsync().AsTask();
            await SendAsync(host, port, queue, "one", "two");
            Assert.True(await receiving);
            Assert.Equal("one", StompCollectorTests.Text(first.Current));
        }
        await using var second = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token);
        Assert.True(await second.MoveNextAsync());
        Assert.Equal("one", StompCollectorTests.Text(second.Current));
        await second.Current.Commit!(Token);
        Assert.True(await second.MoveNextAsync());
        Assert.Equal("two", StompCollectorTests.Text(second.Current));
        await second.Current.Commit!(Token);
    }

    /// <summary>Sends messages to a destination with plain STOMP frames, waiting for the broker's receipt of the last.</summary>
    static async Task SendAsync(string host, int port, string destination, params string[] bodies)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port, Token);
        var stream = tcp.GetStream();
        var frames = new StringBuilder($"CONNECT\naccept-version:1.2\nlogin:guest\npasscode:guest\n\n\0");
        foreach (var body in bodies) frames.Append($"SEND\ndestination:{destination}\ncontent-type:text/plain\n\n{body}\0");
        frames.Append("DISCONNECT\nreceipt:done\n\n\0");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(frames.ToString()), Token);
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync(Token);
        Assert.Contains("RECEIPT", answer);
    }
}
