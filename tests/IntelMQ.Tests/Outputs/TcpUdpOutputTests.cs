using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Network;

namespace IntelMQ.Tests.Outputs;

public sealed class TcpUdpOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static async Task<WriteResult[]> Write(IOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("classification.type")!, "scanner");
        return ev;
    }

    /// <summary>Reads length-prefixed messages as IntelMQ's TCP collector does, answering "Ok" to the first <paramref name="answer"/> of them.</summary>
    static async Task<List<string>> CollectAsync(TcpListener listener, int count, int answer)
    {
        using var client = await listener.AcceptTcpClientAsync(Cancel);
        var stream = client.GetStream();
        var messages = new List<string>();
        var length = new byte[4];
        for (var i = 0; i < count; i++)
        {
            await stream.ReadExactlyAsync(length, Cancel);
            var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(length)];
            await stream.ReadExactlyAsync(message, Cancel);
            messages.Add(Encoding.UTF8.GetString(message));
            if (i < answer) await stream.WriteAsync("Ok"u8.ToArray(), Cancel);
        }
        return messages;
    }

    [Fact]
    public async Task To_an_intelmq_collector_each_message_is_length_prefixed_and_its_ok_awaited()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var output = new TcpOutput(new() { Ip = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port });
        var collector = CollectAsync(listener, 3, answer: 3);

        var results = await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var messages = await collector;
        var first = JsonNode.Parse(messages[0])!;
        Assert.Equal("Event", (string?)first["__type"]);
        Assert.Equal("192.0.2.1", (string?)first["source.ip"]);
        Assert.Equal("192.0.2.3", (string?)JsonNode.Parse(messages[2])!["source.ip"]);
        listener.Stop();
    }

    [Fact]
    public async Task A_collector_that_stops_answering_leaves_the_unanswered_events_to_retry()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var output = new TcpOutput(new() { Ip = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, TimeoutSec = 1 });
        var collector = CollectAsync(listener, 2, answer: 1);

        var results = await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Retry, WriteStatus.Retry], results.Select(r => r.Status));
        await collector;
        listener.Stop();
    }

    [Fact]
    public async Task Newline_delimited_json_to_other_receivers()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using (var output = new TcpOutput(new() { Ip = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, CounterpartIsIntelmq = false, Separator = "\\n", HierarchicalOutput = true }))
        {
            var accept = listener.AcceptTcpClientAsync(Cancel);
            await Write(output, [NewEvent(0), NewEvent(1)]);
            using var client = await accept;
            using var reader = new StreamReader(client.GetStream());
            Assert.Equal("192.0.2.1", (string?)JsonNode.Parse((await reader.ReadLineAsync(Cancel))!)!["source"]!["ip"]);
            Assert.Equal("192.0.2.2", (string?)JsonNode.Parse((await reader.ReadLineAsync(Cancel))!)!["source"]!["ip"]);
        }
        listener.Stop();
    }

    [Fact]
    public async Task A_receiver_that_is_down_is_transient_and_fails_the_health_check()
    {
        using var output = new TcpOutput(new() { Ip = "127.0.0.1", Port = Channels.RedisServer.FreePort(), TimeoutSec = 5 });

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Cancel).AsTask());
    }

    [Fact]
    public async Task Udp_sends_a_datagram_per_event_as_header_and_json_or_delimited_pairs()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        using var json = new UdpOutput(new() { UdpHost = "127.0.0.1", UdpPort = port, Header = "intelmq" });
        using var delimited = new UdpOutput(new() { UdpHost = "127.0.0.1", UdpPort = port, Header = "IntelMQ-event", Format = UdpFormat.Delimited });

        await Write(json, [NewEvent(0)]);
        await Write(delimited, [NewEvent(1)]);

        var first = Encoding.UTF8.GetString((await receiver.ReceiveAsync(Cancel)).Buffer);
        Assert.StartsWith("intelmq {", first);
        Assert.Equal("192.0.2.1", (string?)JsonNode.Parse(first["intelmq ".Length..])!["source"]!["ip"]);
        var second = Encoding.UTF8.GetString((await receiver.ReceiveAsync(Cancel)).Buffer);
        Assert.Contains("|source.ip:192.0.2.2", second);
        Assert.StartsWith("IntelMQ-event|", second);
        Assert.Contains("|classification.type:scanner", second);
    }

    [Fact]
    public void A_missing_port_is_refused_at_construction()
    {
        Assert.Contains("'port'", Assert.Throws<ConfigurationException>(() => new TcpOutput(new())).Message);
        Assert.Contains("'udp_port'", Assert.Throws<ConfigurationException>(() => new UdpOutput(new())).Message);
    }
}
