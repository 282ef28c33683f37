using System.Text;
using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime;

/// <summary>
/// Runs a program between channels: receive a batch, process each message, send what it produced and wait for the
/// confirmations, then acknowledge the batch (at-least-once). A failing message goes to the dump and the run goes on;
/// a failing output is retried until it works or the program is stopped, and the batch stays unacknowledged.
/// </summary>
public sealed class ProgramHost : IEmitter, IAsyncDisposable
{
    const string DefaultPath = "_default";
    const int FlushEvery = 10_000; // a parser's large report is sent in parts rather than held whole
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    readonly HostOptions _host;
    readonly ChannelCatalog _catalog;
    readonly ChannelContext _context;
    readonly TextWriter _log;
    readonly object _program;
    readonly DumpWriter _dump;
    readonly Dictionary<string, List<(IOutputChannel Channel, MessageEncoder Encoder)>> _outputs = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    readonly List<(string Path, Event Event)> _staged = [];
    readonly List<Event> _outputBatch = [];
    readonly bool _progress;
    IInputChannel? _input;
    CancellationToken _hard;
    string _position = "";
    long _messages, _nextProgress, _dropped;

    public ProgramHost(HostOptions host, ChannelCatalog catalog, ChannelContext context)
    {
        _host = host;
        _catalog = catalog;
        _context = context;
        _log = context.Log;
        _progress = _log == Console.Error && !Console.IsErrorRedirected && !host.Daemon;
        _program = host.Program.Create(host.Options, host.Context);
        _dump = new DumpWriter(host.DumpPath, host.ProgramId);
        if (host.Program.Kind != ProgramKind.Output)
            foreach (var (path, uris) in host.Outputs)
                _outputs[path] = uris.Select(uri => catalog.OpenOutput(uri, context))
                    .Select(channel => (channel, new MessageEncoder(host.OutFormat ?? channel.Format, host.Producer))).ToList();
    }

    /// <summary>Runs until the input is exhausted (one-shot), <see cref="HostOptions.StopAfter"/> messages, or <paramref name="stop"/>.</summary>
    /// <param name="stop">Finish the current batch, acknowledge it, and return.</param>
    /// <param name="kill">Abandon the current batch unacknowledged (it will be redelivered).</param>
    public async Task<RunSummary> RunAsync(CancellationToken stop, CancellationToken kill)
    {
        _hard = kill;
        if (_host.Raw) await RunRawAsync();
        else
        {
            _input = _catalog.OpenInput(_host.Input, _context);
            await RunMessagesAsync(stop);
        }
        if (_progress) _log.Write("\r\x1b[K");
        return new RunSummary(_messages, _counts, _dump.Count, _dump.Path);
    }

    async Task RunMessagesAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var max = _host.StopAfter is { } limit ? (int)Math.Min(_host.BatchSize, limit - _messages) : _host.BatchSize;
            if (max <= 0) break;
            IReadOnlyList<Delivery>? batch;
            try
            {
                batch = await _input!.ReceiveAsync(max, _host.Daemon ? TimeSpan.FromSeconds(1) : _host.IdleWait, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            if (batch is null) break;
            if (batch.Count == 0)
            {
                if (!_host.Daemon) break;
                continue;
            }
            if (batch.Count < max && _host.Linger > TimeSpan.Zero) batch = await LingerAsync(batch, max, stop);
            foreach (var delivery in batch)
            {
                _messages++;
                _position = delivery.Position;
                await ProcessAsync(delivery);
            }
            await FlushAsync();
            _dump.Sync();
            await _input.AckAsync(batch, _hard);
            ReportProgress();
        }
    }

    // Fewer, larger batches: keep receiving for the linger time, so a trickle of messages is not sent one round trip each.
    async Task<IReadOnlyList<Delivery>> LingerAsync(IReadOnlyList<Delivery> first, int max, CancellationToken stop)
    {
        var batch = new List<Delivery>(first);
        var deadline = DateTime.UtcNow + _host.Linger;
        while (batch.Count < max && DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
        {
            IReadOnlyList<Delivery>? more;
            try { more = await _input!.ReceiveAsync(max - batch.Count, deadline - DateTime.UtcNow, stop); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            if (more is null) break;
            batch.AddRange(more);
        }
        return batch;
    }

    async Task ProcessAsync(Delivery delivery)
    {
        for (var attempt = 0; ; attempt++)
        {
            _staged.Clear();
            Exception? error;
            try
            {
                foreach (var message in EventJson.Read(delivery.Body.Span, _host.InFormat)) Process(message);
                foreach (var (path, ev) in _staged) Route(path, ev);
                return;
            }
            catch (Exception ex) when (ex is JsonException or InvalidFieldException or DecoderFallbackException)
            {
                _dump.Write(_input!.Name, _position, new FormatException($"unreadable message: {ex.Message}", ex), delivery.Body.Span);
                return;
            }
            catch (Exception ex) when (ex is not (ConfigurationException or OutOfMemoryException or OperationCanceledException))
            {
                error = ex;
            }
            if (_host.OnError == ErrorPolicy.Stop)
                throw new ProgramStoppedException($"{_host.ProgramId}: stopped at {_input!.Name} {_position} (on_error: stop): {error.Message}", error);
            if (_host.OnError == ErrorPolicy.Retry && attempt < _host.MaxRetries)
            {
                _log.WriteLine($"{_host.ProgramId}: {_position}: {error.Message}; retrying in {Backoff(attempt).TotalSeconds:0.#} s");
                await Task.Delay(Backoff(attempt), _hard);
                continue;
            }
            _dump.Write(_input!.Name, _position, error, delivery.Body.Span);
            return;
        }
    }

    void Process(Event message)
    {
        switch (_program)
        {
            case IParser parser:
                var body = message[Event.OriginalField] as string
                           ?? throw new InvalidDataException("the report has no body: neither event.original (IDF) nor raw (IntelMQ) is set");
                message.Remove(Event.OriginalField);
                parser.Parse(message, new StringReader(body), this);
                break;
            case IExpert when message.Kind == MessageKind.Report:
                throw new InvalidDataException($"{_host.Program.Name} takes events, and this message is a report: send reports to a parser first");
            case IExpert expert:
                expert.Process(message, this);
                break;
            case IOutput output:
                _staged.Add((DefaultPath, message));
                break;
            default:
                throw new ConfigurationException($"{_host.Program.Name} cannot process messages.");
        }
    }

    async Task RunRawAsync()
    {
        if (_program is not IParser parser)
            throw new ConfigurationException($"--raw reads a report body, which only parsers take; {_host.Program.Name} is {_host.Program.Kind.ToString().ToLowerInvariant()}.");
        _messages = 1;
        _position = "report";
        var report = Event.Create(MessageKind.Report);
        report.Add(DhoMapping.ToIdf("time.observation")!, Clock.NowText);
        using var body = new StreamReader(_context.StandardInput ?? Console.OpenStandardInput(), StrictUtf8, true, 1 << 16);
        _staged.Clear();
        try
        {
            parser.Parse(report, body, new RawEmitter(this));
        }
        catch (Exception ex) when (ex is not (ConfigurationException or OutOfMemoryException or ProgramStoppedException))
        {
            _dump.Write("stdin", _position, ex, "(the report body from standard input)");
        }
        await FlushAsync();
    }

    /// <summary>In a streamed report, events go out as they come (in parts), not staged per message.</summary>
    sealed class RawEmitter(ProgramHost host) : IEmitter
    {
        public void Emit(Event ev, string path = DefaultPath)
        {
            host.Route(path, ev);
            if (host._outputs.TryGetValue(path, out var o) && o[0].Encoder.Pending >= FlushEvery) host.FlushAsync().GetAwaiter().GetResult();
            host.ReportProgress();
        }

        public void Reject(string position, string content, Exception error) => host.Reject(position, content, error);
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => host.Reject(position, content, error);
        public void Drop(Event ev, string reason) => host.Drop(ev, reason);
    }

    public void Emit(Event ev, string path = DefaultPath) => _staged.Add((path, ev));

    public void Reject(string position, string content, Exception error) =>
        _dump.Write(_input?.Name ?? "stdin", $"{_position}, {position}", error, content, "part");

    public void Reject(string position, ReadOnlySpan<byte> content, Exception error) =>
        _dump.Write(_input?.Name ?? "stdin", $"{_position}, {position}", error, content, "part");

    public void Drop(Event ev, string reason) => _dropped++;

    void Route(string path, Event ev)
    {
        if (_program is IOutput)
        {
            _outputBatch.Add(ev);
            Count(path);
            return;
        }
        if (!_outputs.TryGetValue(path, out var channels))
        {
            _dump.Write(_input?.Name ?? "stdin", _position, new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=URI"), EventText(ev), "event");
            return;
        }
        foreach (var (_, encoder) in channels) encoder.Add(ev);
        Count(path);
    }

    /// <summary>Sends everything produced so far and waits for the confirmations, retrying with backoff while a destination is down.</summary>
    async Task FlushAsync()
    {
        if (_program is IOutput output)
        {
            await WriteOutputAsync(output);
            return;
        }
        foreach (var (channel, encoder) in _outputs.Values.SelectMany(c => c))
        {
            if (encoder.Pending == 0) continue;
            var messages = encoder.Take();
            await Retrying(channel.Name, () => channel.SendAsync(messages, _hard));
        }
    }

    // Per-event results: refused events go to the dump with the destination's reason, events to retry are written again.
    async Task WriteOutputAsync(IOutput output)
    {
        for (var attempt = 0; _outputBatch.Count > 0; attempt++)
        {
            var results = new WriteResult[_outputBatch.Count];
            await Retrying("the output", () => output.WriteAsync(_outputBatch, results, _hard));
            var retry = new List<Event>();
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i].Status == WriteStatus.Refused)
                    _dump.Write(_input?.Name ?? "stdin", _position, new InvalidDataException($"the destination refused the event: {results[i].Reason}"), EventText(_outputBatch[i]), "event");
                else if (results[i].Status == WriteStatus.Retry) retry.Add(_outputBatch[i]);
            }
            _outputBatch.Clear();
            _outputBatch.AddRange(retry);
            if (retry.Count > 0) await Task.Delay(Backoff(attempt), _hard);
        }
    }

    async Task Retrying(string name, Func<ValueTask> send)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await send();
                return;
            }
            catch (ChannelClosedException ex)
            {
                throw new ProgramStoppedException($"{_host.ProgramId}: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or ConfigurationException or OutOfMemoryException))
            {
                var delay = Backoff(attempt);
                _log.WriteLine($"{_host.ProgramId}: cannot deliver to {name}: {ex.Message}; the batch stays unacknowledged, retrying in {delay.TotalSeconds:0.#} s");
                await Task.Delay(delay, _hard);
            }
        }
    }

    TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(30_000, _host.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 10))));

    void Count(string path) => _counts[path] = _counts.GetValueOrDefault(path) + 1;

    void ReportProgress()
    {
        if (!_progress || Environment.TickCount64 < _nextProgress) return;
        _nextProgress = Environment.TickCount64 + 1000;
        _log.Write($"\r\x1b[K{_host.ProgramId}: {_messages} messages, {_counts.Values.Sum()} events, {_dump.Count} dumped");
    }

    static string EventText(Event ev)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteIdf(writer, ev);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public async ValueTask DisposeAsync()
    {
        if (_input is not null) await _input.DisposeAsync();
        foreach (var (channel, _) in _outputs.Values.SelectMany(c => c)) await channel.DisposeAsync();
        if (_program is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
        else (_program as IDisposable)?.Dispose();
        _dump.Dispose();
    }
}

/// <summary>The program stopped on purpose (<c>on_error: stop</c>); its current batch stays unacknowledged.</summary>
public sealed class ProgramStoppedException(string message, Exception inner) : Exception(message, inner);
