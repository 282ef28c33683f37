using System.Buffers;
using System.Text;
using IntelMQ.Core;
using IntelMQ.Runtime.Channels;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// Runs a collector, once or on a schedule. Each report becomes one message (its body in <c>event.original</c>, or
/// base64 <c>raw</c> on a DHO channel) with its stable <c>event.id</c> (feed and body, as every event's), is sent to every
/// output channel of <c>_default</c>, and only once every channel confirmed it is its checkpoint stored and its commit
/// run. A destination that is down is retried with backoff; a crash or a stop before the confirmation leaves the
/// report uncommitted, so it comes again. A report larger than <see cref="CollectorHostOptions.MaxReportSize"/> or
/// not UTF-8 goes to the dump: its checkpoint is stored (it is not dumped again every run), its commit is not run
/// (the source keeps it). One its collector could not make (<see cref="CollectedReport.Error"/>) is dumped with its
/// metadata, checkpointed and committed.
/// </summary>
public sealed class CollectorHost : IAsyncDisposable
{
    const long MaxMessageSize = 1L << 30;
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    readonly CollectorHostOptions _options;
    readonly string _id;
    readonly TextWriter _log;
    readonly StateStore _state;
    readonly ICollector _collector;
    readonly DumpWriter _dump;
    readonly List<(IOutputChannel Channel, MessageEncoder Encoder)> _outputs = [];
    long _collected, _handedOn;

    /// <exception cref="ConfigurationException">Not a collector, no output or one on a path other than _default, another process holds the state, or the collector refuses its options.</exception>
    public CollectorHost(CollectorHostOptions options, ChannelCatalog catalog, ChannelContext context)
    {
        if (options.Program.Kind != ProgramKind.Collector)
            throw new ConfigurationException($"{options.Program.Name} is {options.Program.Kind.ToString().ToLowerInvariant()}, not a collector.");
        if (options.Outputs.Keys.FirstOrDefault(p => p != Paths.Default) is { } path)
            throw new ConfigurationException($"a collector sends its reports to {Paths.Default} only; remove the output path '{path}'.");
        if (options.Outputs.GetValueOrDefault(Paths.Default) is not { Count: > 0 })
            throw new ConfigurationException("a collector needs somewhere to send its reports: give --output URI (e.g. redis://localhost:6379/2?queue=shadowserver-parser-queue).");
        if (options.MaxReportSize is < 1 or > MaxMessageSize)
            throw new ConfigurationException($"max_report_size must be from 1 to {MaxMessageSize} bytes (a report is one message); got {options.MaxReportSize}.");
        _options = options;
        _id = options.Context.Id is { Length: > 0 } id ? id : options.Program.Name;
        _log = context.Log;
        _state = StateStore.Open(options.StatePath);
        try
        {
            _collector = (ICollector)options.Program.Create(options.Options, options.Context);
            _dump = new DumpWriter(options.DumpPath, _id);
            foreach (var uri in options.Outputs[Paths.Default])
            {
                var channel = catalog.OpenOutput(uri, context);
                _outputs.Add((channel, new MessageEncoder(options.OutFormat ?? channel.Format, options.Context.Producer)));
            }
        }
        catch
        {
            _state.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One-shot (no schedule): collects once and returns; a collector's <see cref="TransientException"/> becomes a
    /// <see cref="ChannelUnavailableException"/> (exit status 4), an <see cref="IOException"/> or
    /// <see cref="ConfigurationException"/> propagates (status 2), and any other failure is logged as one line naming
    /// the instance and the cause (its stack trace at debug level) and ends the run as failed (status 1). On a schedule: runs
    /// until <paramref name="stop"/>; a transient failure is retried with backoff (not later than the next scheduled
    /// run), any other is logged and the next run is as scheduled.
    /// </summary>
    /// <param name="stop">Finish the report in hand (hand it on and commit it) and return.</param>
    /// <param name="kill">Abandon the report in hand uncommitted (it comes again).</param>
    public async Task<RunSummary> RunAsync(CancellationToken stop, CancellationToken kill)
    {
        var failed = false;
        if (_options.Schedule is not { } schedule)
        {
            try
            {
                await CollectAsync(stop, kill);
            }
            catch (TransientException ex)
            {
                throw new ChannelUnavailableException($"{_id}: {ex.Message}; what was not handed on was not committed and comes with the next run.", ex);
            }
            catch (Exception ex) when (Unexpected(ex))
            {
                _log.WriteLine($"{_id}: the collector failed: {ex.Message} ({ex.GetType().Name}); what was not handed on was not committed and comes with the next run.");
                _options.Context.Log.LogDebug(ex, "{Id}: where the collector failed", _id);
                failed = true;
            }
        }
        else await RunScheduledAsync(schedule, stop, kill);
        return new RunSummary(_collected, new Dictionary<string, long> { [Paths.Default] = _handedOn }, _dump.Count, _dump.Path) { Failed = failed };
    }

    // Not a stop, a refused configuration, an I/O error (status 2) or a channel that closed: those end the run as they are.
    static bool Unexpected(Exception ex) =>
        ex is not (OperationCanceledException or ConfigurationException or IOException or ProgramStoppedException or OutOfMemoryException);

    // The schedule runs on the system clock: a fixed INTELMQ_FAKE_NOW fixes the reports' timestamps, not the waits.
    async Task RunScheduledAsync(CollectorSchedule schedule, CancellationToken stop, CancellationToken kill)
    {
        var next = schedule.RunsAtStart ? DateTimeOffset.UtcNow : schedule.Next(DateTimeOffset.UtcNow);
        for (var failures = 0; await WaitUntilAsync(next, stop);)
        {
            try
            {
                await CollectAsync(stop, kill);
                failures = 0;
                next = schedule.Next(DateTimeOffset.UtcNow);
            }
            catch (TransientException ex)
            {
                var now = DateTimeOffset.UtcNow;
                var retry = now + _options.Backoff.Delay(failures++);
                var scheduled = schedule.Next(now);
                next = retry < scheduled ? retry : scheduled;
                // The server's Retry-After wins over both: coming sooner would only be refused again.
                if (ex.RetryAfter is { } after && now + after > next) next = now + after;
                _log.WriteLine($"{_id}: {ex.Message}; trying again at {Timestamps.Format(next)}");
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or ConfigurationException or OutOfMemoryException or ProgramStoppedException))
            {
                next = schedule.Next(DateTimeOffset.UtcNow);
                _log.WriteLine($"{_id}: the collector failed: {ex.Message} ({ex.GetType().Name}); next run at {Timestamps.Format(next)}");
                _options.Context.Log.LogDebug(ex, "{Id}: where the collector failed", _id);
            }
        }
    }

    static async Task<bool> WaitUntilAsync(DateTimeOffset time, CancellationToken stop)
    {
        try
        {
            // In steps of at most a day: Task.Delay takes up to 49 days, a cron schedule may wait longer.
            for (var left = time - DateTimeOffset.UtcNow; left > TimeSpan.Zero; left = time - DateTimeOffset.UtcNow)
                await Task.Delay(left < TimeSpan.FromDays(1) ? left : TimeSpan.FromDays(1), stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
        return !stop.IsCancellationRequested;
    }

    async Task CollectAsync(CancellationToken stop, CancellationToken kill)
    {
        var reports = _collector.CollectAsync(_state, stop).GetAsyncEnumerator(stop);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (!await reports.MoveNextAsync()) return;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                await using var collected = reports.Current;
                if (!await HandOnAsync(collected, stop, kill)) return;
            }
        }
        finally
        {
            await reports.DisposeAsync();
        }
    }

    /// <returns>False when the run was stopped before a destination took the report.</returns>
    async Task<bool> HandOnAsync(CollectedReport collected, CancellationToken stop, CancellationToken kill)
    {
        var origin = collected.Origin is { Length: > 0 } o ? o : "report";
        var position = $"report {++_collected}";
        var report = collected.Report;
        report.Kind = MessageKind.Report;
        foreach (var (field, value) in _options.Feed) report.TryAdd(field, value);
        report.TryAdd("event.created", Timestamps.Format(_options.Context.Clock.GetUtcNow()));

        if (collected.Error is { } error)
        {
            // In the dump the report is dealt with: the source may let it go (a mail is marked seen).
            Dump(origin, position, error, RunState.EventText(report));
            _state.Commit(collected.Checkpoint);
            await CompleteAsync(collected, origin, kill);
            return true;
        }
        var body = await ReadBodyAsync(collected.Body, kill);
        if (body is not { } bytes)
        {
            Dump(origin, position, new InvalidDataException(
                $"the report is larger than max_report_size ({_options.MaxReportSize} bytes); raise max_report_size (at most {MaxMessageSize}) or have the source split it. Its metadata is dumped, the source keeps the report."),
                RunState.EventText(report));
            _state.Commit(collected.Checkpoint);
            return true;
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException ex)
        {
            _dump.Write(origin, position, new InvalidDataException($"the report is not UTF-8 text ({ex.Message}); the body is dumped as content_base64, the source keeps the report.", ex), bytes.Span, "report");
            _dump.Sync();
            _state.Commit(collected.Checkpoint);
            return true;
        }
        if (text.Length == 0) _log.WriteLine($"{_id}: {origin} is empty; nothing to hand on");
        else
        {
            report.Add(Event.OriginalField, text, overwrite: true);
            report.AssignStableId();
            foreach (var (_, encoder) in _outputs) encoder.Add(report);
            foreach (var (channel, encoder) in _outputs)
                if (!await SendAsync(channel, encoder.Take(), origin, stop, kill)) return false;
            _handedOn++;
        }
        _state.Commit(collected.Checkpoint);
        await CompleteAsync(collected, origin, kill);
        return true;
    }

    async Task CompleteAsync(CollectedReport collected, string origin, CancellationToken kill)
    {
        if (collected.Commit is not { } commit) return;
        try
        {
            await commit(kill);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            _log.WriteLine($"{_id}: {origin} was handed on and its checkpoint stored, but completing it failed: {ex.Message}");
        }
    }

    /// <returns>The body, or null when it is larger than the limit.</returns>
    async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(Stream body, CancellationToken kill)
    {
        var max = _options.MaxReportSize;
        if (body.CanSeek && body.Length - body.Position > max) return null;
        using var buffer = new MemoryStream(body.CanSeek ? (int)(body.Length - body.Position) : 1 << 16);
        var chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            for (int n; (n = await body.ReadAsync(chunk, kill)) > 0;)
            {
                if (buffer.Length + n > max) return null;
                buffer.Write(chunk, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    async Task<bool> SendAsync(IOutputChannel channel, List<ReadOnlyMemory<byte>> messages, string origin, CancellationToken stop, CancellationToken kill)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await channel.SendAsync(messages, kill);
                return true;
            }
            catch (ChannelClosedException ex)
            {
                throw new ProgramStoppedException($"{_id}: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or ConfigurationException or OutOfMemoryException))
            {
                var delay = _options.Backoff.Delay(attempt);
                _log.WriteLine($"{_id}: cannot hand {origin} to {channel.Name}: {ex.Message}; not committed, retrying in {delay.TotalSeconds:0.#} s");
                try
                {
                    await Task.Delay(delay, stop);
                }
                catch (OperationCanceledException)
                {
                    _log.WriteLine($"{_id}: stopping; {origin} was not committed and comes again with the next run");
                    return false;
                }
            }
        }
    }

    void Dump(string origin, string position, Exception error, string content)
    {
        _dump.Write(origin, position, error, content, "report");
        _dump.Sync();
        _log.WriteLine($"{_id}: {origin}: {error.Message} (dumped to {_dump.Path})");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (channel, _) in _outputs) await channel.DisposeAsync();
        if (_collector is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
        else (_collector as IDisposable)?.Dispose();
        _dump.Dispose();
        _state.Dispose();
    }
}
