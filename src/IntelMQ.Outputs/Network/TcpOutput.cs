using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Network;

/// <summary>Sends events over TCP: to IntelMQ's TCP collector (length-prefixed, each answered "Ok"), or as separated (newline-delimited) JSON.</summary>
[Program("tcp-output", ProgramKind.Output, "Sends events over TCP as IntelMQ's JSON: to IntelMQ's TCP collector (length-prefixed, awaiting \"Ok\") or newline-delimited.",
    Modules = ["intelmq.bots.outputs.tcp.output"],
    Options = typeof(TcpOutputOptions),
    Description = """
        Sends every event as IntelMQ's JSON message (with __type and raw, as IntelMQ's queues carry it; nested with
        hierarchical_output) on one kept-open connection. With counterpart_is_intelmq (the default), as IntelMQ's TCP
        collector reads them: each message is preceded by its length in 4 bytes, big-endian, and the collector's "Ok"
        is awaited before the next, so an event counts as delivered when it is answered. Otherwise (Splunk, Logstash,
        filebeat) messages are followed by separator ("\n" for newline-delimited JSON) and a batch counts as delivered
        once the kernel accepted it (TCP gives no acknowledgement). A lost connection or a missing answer retries the
        events not yet delivered.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run tcp-output --set ip=intelmq2.example.org --set port=5000 < events.jsonl",
        "intelmq run tcp-output --set ip=logstash.example.org --set port=5044 --set counterpart_is_intelmq=false --set 'separator=\\n' < events.jsonl",
    ])]
public sealed class TcpOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "tcp-output";

    readonly TcpOutputOptions _options;
    readonly byte[] _separator;
    readonly TimeSpan _timeout;
    TcpClient? _client;

    public TcpOutput(TcpOutputOptions options)
    {
        if (options.Port == 0) throw new ConfigurationException($"{Program}: option 'port' is not set; give the receiver's port, e.g. --set port=5000.");
        if (options.Ip.Length == 0) throw new ConfigurationException($"{Program}: option 'ip' is empty; give the receiver's host name or address.");
        _options = options;
        // IntelMQ's configurations write the separator as "\n": read the usual escapes.
        _separator = Encoding.UTF8.GetBytes(options.Separator.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal));
        _timeout = TimeSpan.FromSeconds(options.TimeoutSec);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var delivered = 0;
        try
        {
            var stream = (await ConnectedAsync(cancellationToken)).GetStream();
            if (!_options.CounterpartIsIntelmq)
            {
                using var batch = new MemoryStream();
                foreach (var ev in events)
                {
                    batch.Write(Message(ev));
                    batch.Write(_separator);
                }
                await WithTimeout(ct => stream.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), ct), cancellationToken);
                return;
            }
            var answer = new byte[2];
            for (; delivered < events.Count; delivered++)
            {
                var message = Message(events[delivered]);
                var frame = new byte[4 + message.Length + _separator.Length];
                BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(message.Length + _separator.Length));
                message.CopyTo(frame, 4);
                _separator.CopyTo(frame, 4 + message.Length);
                await WithTimeout(ct => stream.WriteAsync(frame, ct), cancellationToken);
                await WithTimeout(ct => stream.ReadExactlyAsync(answer, ct), cancellationToken);
                if (answer[0] != (byte)'O' || answer[1] != (byte)'k') throw new IOException($"the receiver answered '{Encoding.ASCII.GetString(answer)}', not 'Ok'");
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or TransientException)
        {
            Disconnect();
            var reason = $"{Program}: {_options.Ip}:{_options.Port}: {ex.Message}";
            if (delivered == 0) throw ex as TransientException ?? new TransientException(reason, ex);
            for (var i = delivered; i < events.Count; i++) results[i] = WriteResult.Retry(reason);
        }
    }

    byte[] Message(Event ev) => IntelMQFields.Message(ev, _options.HierarchicalOutput, withType: true, withRaw: true);

    async ValueTask WithTimeout(Func<CancellationToken, ValueTask> operation, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await operation(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no progress within {_timeout.TotalSeconds} s");
        }
    }

    async ValueTask<TcpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { Connected: true } open) return open;
        Disconnect();
        var client = new TcpClient { NoDelay = true };
        try
        {
            await WithTimeout(ct => client.ConnectAsync(_options.Ip, _options.Port, ct), cancellationToken);
            return _client = client;
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            client.Dispose();
            throw new TransientException($"{Program}: cannot connect to {_options.Ip}:{_options.Port}: {ex.Message}", ex);
        }
    }

    /// <summary>Opens a connection to the receiver and closes it; throws when none can be made.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await WithTimeout(ct => client.ConnectAsync(_options.Ip, _options.Port, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
        {
            throw new InvalidOperationException($"{Program}: cannot connect to {_options.Ip}:{_options.Port}: {ex.Message}", ex);
        }
    }

    void Disconnect()
    {
        _client?.Dispose();
        _client = null;
    }

    public void Dispose() => Disconnect();
}
