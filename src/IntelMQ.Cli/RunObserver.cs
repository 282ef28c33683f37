using IntelMQ.Channels;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Observability;

namespace IntelMQ.Cli;

/// <summary>
/// Turns what a run did so far into per-batch counts for the Prometheus instruments and IntelMQ's statistics keys:
/// the host reports totals, the instruments add.
/// </summary>
public sealed class RunObserver(RunMetrics? metrics, IntelMQStatistics? statistics)
{
    long _messages, _events, _dumped, _dropped, _retries;
    readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);

    public void Observe(RunCounters counters, TimeSpan duration)
    {
        var messages = counters.Messages - _messages;
        var dumped = counters.Dumped - _dumped;
        var retries = counters.Retries - _retries;
        var sent = counters.SentByPath.Select(p => KeyValuePair.Create(p.Key, p.Value - _sent.GetValueOrDefault(p.Key))).Where(p => p.Value > 0).ToList();
        if (metrics is not null)
        {
            metrics.MessagesReceived(messages);
            metrics.EventsReceived(counters.EventsReceived - _events);
            foreach (var (path, count) in sent) metrics.EventsSent(path, count);
            metrics.EventsDropped(counters.Dropped - _dropped);
            metrics.Dumped(dumped);
            metrics.Retried(retries);
            if (duration > TimeSpan.Zero) metrics.BatchCompleted(duration);
        }
        statistics?.Record(messages - dumped, dumped + retries, sent);
        (_messages, _events, _dumped, _dropped, _retries) = (counters.Messages, counters.EventsReceived, counters.Dumped, counters.Dropped, counters.Retries);
        foreach (var (path, count) in counters.SentByPath) _sent[path] = count;
    }
}
