using System.Diagnostics;
using System.Diagnostics.Metrics;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime.Observability;

/// <summary>
/// One program instance's instruments (<see cref="System.Diagnostics.Metrics"/>), labelled <c>program</c> and <c>id</c>.
/// The host records counts once per batch, never per event. Names and units follow OpenTelemetry's conventions, so
/// that the Prometheus exposition (<see cref="MetricsServer"/>) reads <c>intelmq_messages_received_total</c>,
/// <c>intelmq_batch_duration_seconds</c> and so on; docs/observability.md lists them.
/// </summary>
public sealed class RunMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners outside this process's own server (dotnet-counters, OpenTelemetry).</summary>
    public const string MeterName = "IntelMQ";

    // Batches take from well under a millisecond (an expert in memory) to minutes (an output retrying its destination).
    static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    readonly KeyValuePair<string, object?>[] _labels;
    readonly string[] _paths;
    readonly Counter<long> _messagesReceived, _eventsReceived, _eventsSent, _eventsDropped, _dumped, _retries;
    readonly Histogram<double> _batchDuration;
    IReadOnlyList<(string Queue, IQueueDepth Channel)> _queues = [];
    volatile QueueReading[] _readings = [];

    /// <param name="paths">The output paths the program may send on, whose series start at 0.</param>
    public RunMetrics(string program, string id, IEnumerable<string>? paths = null)
    {
        _paths = [.. paths ?? []];
        Program = program;
        Id = id;
        _labels = [new("program", program), new("id", id)];
        Meter = new Meter(MeterName);
        _messagesReceived = Meter.CreateCounter<long>("intelmq.messages.received", "{message}", "Messages taken from the input (reports for a parser, events for an expert or output).");
        _eventsReceived = Meter.CreateCounter<long>("intelmq.events.received", "{event}", "Events given to the program (for a parser: events it parsed out of reports).");
        _eventsSent = Meter.CreateCounter<long>("intelmq.events.sent", "{event}", "Events sent and confirmed downstream, by output path.");
        _eventsDropped = Meter.CreateCounter<long>("intelmq.events.dropped", "{event}", "Events dropped on purpose by the program (a filter matched, a duplicate); the reasons are in the log.");
        _dumped = Meter.CreateCounter<long>("intelmq.dumped", "{message}", "Messages and parts of messages written to the dump.");
        _retries = Meter.CreateCounter<long>("intelmq.retries", "{retry}", "Retries: of a failing message (on_error: retry) and of a failing output.");
        _batchDuration = Meter.CreateHistogram("intelmq.batch.duration", "s", "Time from receiving a batch to acknowledging it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Meter.CreateObservableGauge("intelmq.queue.depth", () => Read(static r => r.Depth), "{message}", "Messages waiting in a queue the program reads or writes.");
        Meter.CreateObservableGauge("intelmq.queue.max_length", () => Read(static r => r.Limit), "{message}", "A queue's bound, where producers wait (backpressure); absent when unbounded.");
        Meter.CreateObservableGauge("intelmq.up", () => new Measurement<int>(1, _labels), description: "1 while the program runs.");
    }

    public string Program { get; }

    public string Id { get; }

    /// <summary>Owns the instruments; a listener can tell this instance's apart from another's in the same process by it.</summary>
    public Meter Meter { get; }

    public void MessagesReceived(long count) => _messagesReceived.Add(count, _labels);

    public void EventsReceived(long count) => _eventsReceived.Add(count, _labels);

    /// <summary>Events confirmed on one output path (<c>_default</c>, or a named path) in this batch.</summary>
    public void EventsSent(string path, long count) =>
        _eventsSent.Add(count, new TagList { _labels[0], _labels[1], new("path", path) });

    /// <summary>Counted without their reason: reasons are the programs' free text and would make a series each.</summary>
    public void EventsDropped(long count) => _eventsDropped.Add(count, _labels);

    public void Dumped(long count) => _dumped.Add(count, _labels);

    public void Retried(long count) => _retries.Add(count, _labels);

    public void BatchCompleted(TimeSpan duration) => _batchDuration.Record(duration.TotalSeconds, _labels);

    /// <summary>
    /// The queues whose depth and bound to publish, labelled <c>queue</c> with the given name (with no password in it).
    /// They are read by <see cref="RefreshQueuesAsync"/>, which the server calls before each scrape.
    /// </summary>
    public void ObserveQueues(IReadOnlyList<(string Queue, IQueueDepth Channel)> queues) => _queues = queues;

    /// <summary>Reads every observed queue's depth; a queue that cannot be read in time is left out of this scrape.</summary>
    public async Task RefreshQueuesAsync(CancellationToken cancellationToken)
    {
        var queues = _queues;
        var readings = await Task.WhenAll(queues.Select(q => ReadAsync(q.Queue, q.Channel, cancellationToken)));
        _readings = readings.OfType<QueueReading>().ToArray();
    }

    static async Task<QueueReading?> ReadAsync(string queue, IQueueDepth channel, CancellationToken cancellationToken)
    {
        try
        {
            var (depth, limit) = await channel.DepthAsync(cancellationToken);
            return new QueueReading(queue, depth, limit);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    IEnumerable<Measurement<long>> Read(Func<QueueReading, long?> value)
    {
        foreach (var reading in _readings)
            if (value(reading) is { } v)
                yield return new Measurement<long>(v, new TagList { _labels[0], _labels[1], new("queue", reading.Queue) });
    }

    /// <summary>
    /// Adds 0 to every counter, once a listener is there to see it (measurements before are not kept), so that each
    /// series shows from the start rather than at its first event, and rate() sees the first increase.
    /// </summary>
    internal void StartSeries()
    {
        foreach (var counter in (Counter<long>[])[_messagesReceived, _eventsReceived, _eventsDropped, _dumped, _retries]) counter.Add(0, _labels);
        foreach (var path in _paths) EventsSent(path, 0);
    }

    public void Dispose() => Meter.Dispose();

    sealed record QueueReading(string Queue, long Depth, long? Limit);
}
