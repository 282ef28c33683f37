using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>What the stages of one run share: its options, the component, the dump, the outputs and the counters.</summary>
public sealed class RunState(HostOptions options, object component, DumpWriter dump, Router router, ILogger log)
{
    public HostOptions Options { get; } = options;
    public object Component { get; } = component;
    public DumpWriter Dump { get; } = dump;
    public Router Router { get; } = router;
    public ILogger Log { get; } = log;
    public RunCounters Counters { get; } = new();
    public Backoff Backoff { get; } = new(TimeSpan.FromSeconds(options.RetryDelay.TotalSeconds), TimeSpan.FromSeconds(30));

    /// <summary>The input's name for dumps and logs (<c>stdin</c>, a file, a queue).</summary>
    public string InputName { get; set; } = "stdin";

    /// <summary>Cancelled by the second signal: abandon the batch unacknowledged.</summary>
    public CancellationToken Hard { get; set; }

    /// <summary>Dumps a failure and says so in the log.</summary>
    /// <remarks>Safe to call from the lookups of an asynchronous expert, which run concurrently.</remarks>
    public void DumpFailure(string position, Exception error, ReadOnlySpan<byte> content, string kind = "message")
    {
        lock (Dump)
        {
            Dump.Write(InputName, position, error, content, kind);
            Dumped(position, error);
        }
    }

    public void DumpFailure(string position, Exception error, string content, string kind = "message")
    {
        lock (Dump)
        {
            Dump.Write(InputName, position, error, content, kind);
            Dumped(position, error);
        }
    }

    void Dumped(string position, Exception error)
    {
        Counters.Dumped++;
        Log.LogWarning("{Input} {Position}: {Error} (dumped to {Dump})", InputName, position, error.Message, Dump.Path);
    }

    /// <summary>An event as an IDF JSON line, for the dump (a replay reads it back as one message).</summary>
    public static string EventText(Event ev)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteIdf(writer, ev);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>What a run did so far; read for the summary, the progress line and the metrics.</summary>
public sealed class RunCounters
{
    public long Messages;
    public long EventsReceived;
    public long Dumped;
    public long Dropped;
    public long Retries;
    public Dictionary<string, long> SentByPath { get; } = new(StringComparer.Ordinal);

    /// <summary>One event handed to <paramref name="path"/>: one dictionary lookup, as it runs per event.</summary>
    public void CountSent(string path) => CollectionsMarshal.GetValueRefOrAddDefault(SentByPath, path, out _)++;

    public long Sent => SentByPath.Values.Sum();
}
