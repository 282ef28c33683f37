using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Calidog;

/// <summary>
/// Reads the CertStream websocket and hands on every certificate update as a report as it comes; heartbeats are
/// skipped. A stream has no position to resume from: what arrives while the collector is not connected is not seen.
/// </summary>
[Program("certstream-collector", ProgramKind.Collector, "Reads the CertStream websocket and hands on every certificate update as a report as it arrives.",
    Modules = ["intelmq.bots.collectors.calidog.collector_certstream"],
    Options = typeof(CertStreamCollectorOptions),
    Description = """
        Each run connects to the CertStream websocket at url and hands on every message of type certificate_update
        (one JSON object per websocket message) as one report, as IntelMQ's calidog parser reads it, with feed.url
        the stream's URL, in the order received, each confirmed by the outputs before the next is read; heartbeats
        and other message types are skipped, a message that is not JSON is logged and skipped. The run lasts as
        long as the server keeps the websocket open. A stream that cannot be opened, breaks off or stays silent
        longer than timeout_sec is a transient failure: a daemon connects again with backoff (1 s doubling to 30
        s); one that the server closes is opened again after rate_limit seconds, so give a daemon a small
        rate_limit (e.g. 10). CertStream sends a lot: expect many reports a second.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run certstream-collector --daemon --set rate_limit=10 --set name=CertStream --set provider=Calidog --output 'redis://localhost:6379/2?queue=calidog-parser-queue'",
    ])]
public sealed class CertStreamCollector : ICollector
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly ProgramContext _context;
    readonly Uri _url;
    readonly TimeSpan _timeout;
    readonly int _maxSize;

    /// <exception cref="ConfigurationException">A url that is not ws:// or wss://.</exception>
    public CertStreamCollector(CertStreamCollectorOptions options, ProgramContext context)
    {
        _context = context;
        var name = context.Id is { Length: > 0 } id ? id : "certstream-collector";
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss"))
            throw new ConfigurationException($"{name}: option 'url' must be a ws:// or wss:// URL, e.g. wss://certstream.calidog.io/; got '{options.Url}'.");
        _url = url;
        _timeout = TimeSpan.FromSeconds(options.TimeoutSec);
        _maxSize = options.MaxMessageSize;
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        await ConnectAsync(socket, cancellationToken);
        var buffer = new byte[_maxSize];
        var number = 0L;
        while (await ReceiveAsync(socket, buffer, cancellationToken) is { } length)
        {
            number++;
            var message = buffer.AsMemory(0, length);
            if (!IsCertificateUpdate(message, number)) continue;
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, _url.ToString());
            yield return new CollectedReport(report, new MemoryStream(message.ToArray())) { Origin = $"{_url} message {number}" };
        }
        _context.Log.LogInformation("{Url}: the server closed the stream after {Messages} messages", _url, number);
    }

    async Task ConnectAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await socket.ConnectAsync(_url, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"{_url}: no connection within {_timeout.TotalSeconds:0.#} s");
        }
        catch (WebSocketException ex)
        {
            throw new TransientException($"{_url}: {ex.Message}", ex);
        }
    }

    /// <returns>The length of the next whole message in <paramref name="buffer"/>, or null once the server closed the stream.</returns>
    async Task<int?> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var length = 0;
        try
        {
            while (true)
            {
                timeout.CancelAfter(_timeout);
                if (length == buffer.Length) throw new TransientException($"{_url}: a message longer than max_message_size ({buffer.Length} bytes)");
                var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return null;
                }
                length += result.Count;
                if (result.EndOfMessage) return length;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"{_url}: the stream sent nothing for {_timeout.TotalSeconds:0.#} s");
        }
        catch (WebSocketException ex)
        {
            throw new TransientException($"{_url}: the stream broke off: {ex.Message}", ex);
        }
    }

    bool IsCertificateUpdate(ReadOnlyMemory<byte> message, long number)
    {
        try
        {
            using var json = JsonDocument.Parse(message);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("message_type", out var type) && type.ValueKind == JsonValueKind.String
                && type.ValueEquals("certificate_update");
        }
        catch (JsonException ex)
        {
            _context.Log.LogWarning("{Url}: message {Number} is not JSON, skipped: {Error} ({Text})", _url, number, ex.Message,
                Encoding.UTF8.GetString(message.Span[..Math.Min(message.Length, 200)]));
            return false;
        }
    }
}
