using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Listeners;

/// <summary>
/// Receives reports over TCP, IntelMQ's TCP output protocol (a length before each message, answered with Ok) or
/// messages ending with a separator. A connection's next message is read only once the last is handed on, and in
/// IntelMQ's protocol the Ok is sent only then: a sender that got no Ok sends the message again.
/// </summary>
[Program("tcp-collector", ProgramKind.Collector, "Receives reports over TCP: IntelMQ's TCP output protocol (answered Ok once handed on) or separated messages.",
    Modules = ["intelmq.bots.collectors.tcp.collector"],
    Options = typeof(TcpCollectorOptions),
    Description = """
        While it runs, the collector listens on ip:port and takes every message of every connection as a report.
        Without separator it speaks IntelMQ's TCP output protocol: each message is preceded by its length in 4 bytes
        (big-endian) and answered with the two bytes Ok, which are sent only once the report is handed on (confirmed by
        every output); a connection closed or a collector stopped before that sends no Ok, and IntelMQ's TCP output
        sends the message again: nothing is lost. With separator (e.g. "\n"; \n, \r, \t and \0 are understood),
        messages end with it and nothing is answered, as for Filebeat or IntelMQ's TCP output with
        counterpart_is_intelmq false; a message of a connection is read only once the one before is handed on, but a
        sender cannot know what arrived, so messages sent while the collector stops may be lost. A last message
        without separator before the sender closes is taken too. A message larger than max_message_size closes its
        connection. Events from another IntelMQ arrive as reports whose body is the event's JSON: the JSON parser
        (intelmq.bots.parsers.json.parser) makes them events again. Run it with --daemon; it has no schedule.
        """,
    Examples = [
        "intelmq run tcp-collector --daemon --set ip=0.0.0.0 --set port=5000 --set name='Partner IntelMQ' --output 'redis://localhost:6379/2?queue=json-parser-queue'",
        "intelmq run tcp-collector --daemon --set port=5001 --set separator='\\n' --set name=Filebeat --output 'file:/var/lib/intelmq/filebeat.jsonl'",
    ])]
public sealed class TcpCollector : ICollector
{
    static readonly byte[] Ok = "Ok"u8.ToArray();

    readonly TcpCollectorOptions _options;
    readonly IPAddress _address;
    readonly byte[]? _separator;
    readonly ProgramContext _context;
    readonly string _name;

    sealed record Received(byte[] Body, string From, long Number, TaskCompletionSource HandedOn);

    /// <exception cref="ConfigurationException">An ip that is not an IP address, or an empty separator.</exception>
    public TcpCollector(TcpCollectorOptions options, ProgramContext context)
    {
        _name = context.Id is { Length: > 0 } id ? id : "tcp-collector";
        if (!IPAddress.TryParse(options.Ip, out var address))
            throw new ConfigurationException($"{_name}: ip '{options.Ip}' is not an IP address; e.g. 127.0.0.1 or 0.0.0.0.");
        if (options.Separator is { } separator)
        {
            if (separator.Length == 0) throw new ConfigurationException($"{_name}: separator is empty; give one (e.g. '\\n') or leave it out for IntelMQ's length-prefixed protocol.");
            _separator = Encoding.UTF8.GetBytes(Unescape(separator));
        }
        _options = options;
        _address = address;
        _context = context;
    }

    static string Unescape(string separator) =>
        Regex.Replace(separator, @"\\[nrt0\\]", m => m.Value[1] switch { 'n' => "\n", 'r' => "\r", 't' => "\t", '0' => "\0", _ => "\\" });

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listener = new TcpListener(_address, _options.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new IOException($"{_name}: cannot listen on {_options.Ip}:{_options.Port}: {ex.Message}", ex);
        }
        var received = Channel.CreateUnbounded<Received>();
        using var stopServing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var accepting = TcpConnections.ServeEachAsync(listener, client => ServeAsync(client, received.Writer, stopServing.Token), stopServing.Token);
        Received? inHand = null;
        try
        {
            await foreach (var message in received.Reader.ReadAllAsync(cancellationToken))
            {
                inHand = message;
                yield return new CollectedReport(new Event(MessageKind.Report), new MemoryStream(message.Body, writable: false))
                {
                    Origin = $"tcp from {message.From} message {message.Number}",
                    Commit = _ =>
                    {
                        message.HandedOn.TrySetResult();
                        return ValueTask.CompletedTask;
                    },
                };
                // The host moves on once the report is dealt with, handed on or (too large, not UTF-8) dumped.
                message.HandedOn.TrySetResult();
                inHand = null;
            }
        }
        finally
        {
            // No Ok for what was not handed on: its sender sends it again.
            inHand?.HandedOn.TrySetCanceled(CancellationToken.None);
            stopServing.Cancel();
            listener.Stop();
            received.Writer.TryComplete();
            while (received.Reader.TryRead(out var waiting)) waiting.HandedOn.TrySetCanceled(CancellationToken.None);
            await accepting;
        }
    }

    async Task ServeAsync(TcpClient client, ChannelWriter<Received> received, CancellationToken stop)
    {
        var from = client.Client.RemoteEndPoint?.ToString() ?? "?";
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var number = 0L;
                if (_separator is null)
                {
                    var header = new byte[4];
                    while (await ReadExactlyOrEndAsync(stream, header, stop))
                    {
                        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
                        if (length > _options.MaxMessageSize)
                        {
                            _context.Log.LogWarning("{Name}: {From} announced a message of {Length} bytes, more than max_message_size ({Max}); closing the connection", _name, from, length, _options.MaxMessageSize);
                            return;
                        }
                        var body = new byte[length];
                        await stream.ReadExactlyAsync(body, stop);
                        await HandOnAsync(received, new Received(body, from, ++number, NewCompletion()), stop);
                        await stream.WriteAsync(Ok, stop);
                    }
                    return;
                }
                await foreach (var body in SeparatedAsync(stream, from, stop))
                    await HandOnAsync(received, new Received(body, from, ++number, NewCompletion()), stop);
            }
            catch (EndOfStreamException)
            {
                _context.Log.LogWarning("{Name}: {From} closed the connection in the middle of a message; it was not taken", _name, from);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // the sender went away or we stop: what got no Ok is sent again
            }
        }
    }

    static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    static async Task HandOnAsync(ChannelWriter<Received> received, Received message, CancellationToken stop)
    {
        await received.WriteAsync(message, stop);
        await message.HandedOn.Task.WaitAsync(stop);
    }

    /// <returns>False when the stream ends before the first byte.</returns>
    static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken stop)
    {
        var n = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, stop);
        if (n == 0) return false;
        if (n < buffer.Length) throw new EndOfStreamException();
        return true;
    }

    async IAsyncEnumerable<byte[]> SeparatedAsync(Stream stream, string from, [EnumeratorCancellation] CancellationToken stop)
    {
        var separator = _separator!;
        var pending = new MemoryStream();
        var chunk = new byte[64 * 1024];
        for (int n; (n = await stream.ReadAsync(chunk, stop)) > 0;)
        {
            pending.Write(chunk, 0, n);
            var start = 0;
            var data = pending.GetBuffer().AsMemory(0, (int)pending.Length);
            for (int at; (at = data.Span[start..].IndexOf(separator)) >= 0; start += at + separator.Length)
                if (at > 0) yield return data.Slice(start, at).ToArray();
            var rest = data[start..].ToArray();
            if (rest.Length > _options.MaxMessageSize)
            {
                _context.Log.LogWarning("{Name}: {From} sent more than max_message_size ({Max} bytes) without a separator; closing the connection", _name, from, _options.MaxMessageSize);
                yield break;
            }
            pending.SetLength(0);
            pending.Write(rest);
        }
        if (pending.Length > 0) yield return pending.ToArray();
    }
}
