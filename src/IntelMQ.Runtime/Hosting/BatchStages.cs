using System.Diagnostics;
using System.Text;
using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Runtime;

/// <summary>Acknowledges the batch once everything inside it is done: sent, confirmed, dumps on disk.</summary>
sealed class AcknowledgeStage(IInputChannel input, RunState run) : IBatchStage
{
    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        await next(batch);
        run.Dump.Sync();
        await input.AckAsync(batch.Deliveries, run.Hard);
    }
}

/// <summary>
/// Sends what the component produced and waits for the destinations' confirmations; then tells a component that keeps
/// state about what it passed on (<see cref="IDeliveryAware"/>) that it was delivered.
/// </summary>
sealed class SendStage(RunState run, Failures failures) : IBatchStage
{
    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        await next(batch);
        await run.Router.FlushAsync(failures);
        (run.Component as IDeliveryAware)?.Delivered();
    }
}

/// <summary>Reads each delivery into its events; one that cannot be read is dumped as it came (retrying cannot fix it).</summary>
sealed class DecodeStage(RunState run) : IBatchStage
{
    public ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        foreach (var delivery in batch.Deliveries)
        {
            run.Counters.Messages++;
            if (delivery.Error is { } refused)
            {
                run.DumpFailure(delivery.Position, refused, delivery.Body.Span);
                continue;
            }
            try
            {
                var events = EventJson.Read(delivery.Body.Span, run.Options.InFormat);
                run.Counters.EventsReceived += events.Count;
                batch.Messages.Add(new Message(delivery, events));
            }
            // System.Text.Json finds invalid UTF-8 inside a string only when the string is read (InvalidOperationException).
            catch (Exception ex) when (ex is JsonException or InvalidFieldException or DecoderFallbackException or FormatException or InvalidDataException or InvalidOperationException)
            {
                run.DumpFailure(delivery.Position, new FormatException($"unreadable message: {ex.Message}", ex), delivery.Body.Span);
            }
        }
        return next(batch);
    }
}

/// <summary>Times each batch and tells the observer (metrics, the progress line) what the run did.</summary>
sealed class ObserveStage(RunState run, Action<RunCounters, TimeSpan> observe) : IBatchStage
{
    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        var start = Stopwatch.GetTimestamp();
        await next(batch);
        observe(run.Counters, Stopwatch.GetElapsedTime(start));
    }
}
