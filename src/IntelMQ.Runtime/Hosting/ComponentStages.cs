using System.Text;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>Where a failed unit's content goes: the delivery as it came when it held one event, else the event itself.</summary>
static class Units
{
    public static string Position(Message message, int index) =>
        message.Events.Count == 1 ? message.Delivery.Position : $"{message.Delivery.Position}, event {index + 1}";

    public static void DumpUnit(RunState run, Message message, int index, Exception error)
    {
        if (message.Events.Count == 1) run.DumpFailure(message.Delivery.Position, error, message.Delivery.Body.Span);
        else run.DumpFailure(Position(message, index), error, RunState.EventText(message.Events[index]));
    }
}

/// <summary>A parser: each report of the batch parsed on its own; its events go out only when the whole report went through.</summary>
sealed class ParserStage(RunState run, Failures failures) : IBatchStage
{
    readonly Staging _staging = new(run);

    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        foreach (var message in batch.Messages)
            for (var i = 0; i < message.Events.Count; i++)
            {
                _staging.Reset(message, i);
                var error = await failures.RunAsync(static s => { s.Self.Parse(s.Report); return ValueTask.CompletedTask; }, (Self: this, Report: message.Events[i]), static s => s.Self._staging.Position);
                if (error is null) _staging.Commit();
                else Units.DumpUnit(run, message, i, error);
            }
        await next(batch);
    }

    void Parse(Event report)
    {
        _staging.Clear();
        var body = report[Event.OriginalField] as string
                   ?? throw new InvalidDataException("the report has no body: neither event.original (IDF) nor raw (IntelMQ) is set");
        var meta = report.Clone(report.Count);
        meta.Remove(Event.OriginalField);
        if (run.Component is IStreamParser bytes) bytes.Parse(meta, new MemoryStream(Encoding.UTF8.GetBytes(body)), _staging);
        else ((IParser)run.Component).Parse(meta, new StringReader(body), _staging);
    }
}

/// <summary>A synchronous expert: one event at a time on the runtime's thread, the fast path.</summary>
sealed class ExpertStage(RunState run, Failures failures) : IBatchStage
{
    readonly Staging _staging = new(run);
    readonly IExpert _expert = (IExpert)run.Component;

    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        foreach (var message in batch.Messages)
            for (var i = 0; i < message.Events.Count; i++)
            {
                _staging.Reset(message, i);
                var error = await failures.RunAsync(static s => s.Self.Process(s.Event), (Self: this, Event: message.Events[i]), static s => s.Self._staging.Position);
                if (error is null) _staging.Commit();
                else Units.DumpUnit(run, message, i, error);
            }
        await next(batch);
    }

    ValueTask Process(Event ev)
    {
        _staging.Clear();
        if (ev.Kind == MessageKind.Report && !run.Options.Program.Declaration.TakesReports)
            throw new InvalidDataException($"{run.Options.Program.Name} takes events, and this message is a report: send reports to a parser first");
        _expert.Process(ev, _staging);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// An asynchronous expert: the batch's events looked up concurrently (up to <c>concurrency</c>, each within
/// <c>timeout_ms</c>), so a slow answer delays only its own event; results go out in input order.
/// </summary>
sealed class AsyncExpertStage(RunState run, Failures failures) : IBatchStage
{
    readonly IAsyncExpert _expert = (IAsyncExpert)run.Component;

    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        var units = new List<(Message Message, int Index, Staging Staging)>();
        foreach (var message in batch.Messages)
            for (var i = 0; i < message.Events.Count; i++)
            {
                var staging = new Staging(run);
                staging.Reset(message, i);
                units.Add((message, i, staging));
            }
        var errors = new Exception?[units.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = run.Options.Concurrency, CancellationToken = run.Hard };
        await Parallel.ForAsync(0, units.Count, parallel, async (u, _) =>
        {
            var (message, index, staging) = units[u];
            errors[u] = await failures.RunAsync(static s => s.Self.ProcessAsync(s.Event, s.Staging), (Self: this, Event: message.Events[index], Staging: staging), static s => s.Staging.Position);
        });
        for (var u = 0; u < units.Count; u++)
        {
            if (errors[u] is null) units[u].Staging.Commit();
            else Units.DumpUnit(run, units[u].Message, units[u].Index, errors[u]!);
        }
        await next(batch);
    }

    async ValueTask ProcessAsync(Event ev, Staging staging)
    {
        staging.Clear();
        if (ev.Kind == MessageKind.Report && !run.Options.Program.Declaration.TakesReports)
            throw new InvalidDataException($"{run.Options.Program.Name} takes events, and this message is a report: send reports to a parser first");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(run.Hard);
        timeout.CancelAfter(run.Options.Timeout);
        try
        {
            await _expert.ProcessAsync(ev, staging, timeout.Token);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !run.Hard.IsCancellationRequested)
        {
            throw new TransientException($"the lookup took longer than {run.Options.Timeout.TotalMilliseconds:0} ms (timeout_ms)", ex);
        }
    }
}

/// <summary>
/// An output: the batch's events written in one call, with a result per event. Refused events go to the dump with the
/// destination's reason, events to retry are written again with backoff, and when the whole call fails for a reason
/// that is not transient, the events are written one by one to find the bad one.
/// </summary>
sealed class OutputStage(RunState run, Failures failures) : IBatchStage
{
    readonly IOutput _output = (IOutput)run.Component;

    public async ValueTask InvokeAsync(Batch batch, BatchStep next)
    {
        var units = new List<(Message Message, int Index)>();
        foreach (var message in batch.Messages)
            for (var i = 0; i < message.Events.Count; i++) units.Add((message, i));
        if (units.Count > 0) await WriteAsync(units, split: true);
        await next(batch);
    }

    async ValueTask WriteAsync(List<(Message Message, int Index)> units, bool split)
    {
        for (var attempt = 0; units.Count > 0; attempt++)
        {
            var events = units.Select(u => u.Message.Events[u.Index]).ToList();
            var results = new WriteResult[events.Count];
            var error = await failures.RunAsync(static s => s.Output.WriteAsync(s.Events, s.Results, s.Token), (Output: _output, Events: events, Results: results, Token: run.Hard, Units: units),
                static s => s.Units.Count == 1 ? Units.Position(s.Units[0].Message, s.Units[0].Index) : $"a batch of {s.Units.Count} events");
            if (error is not null)
            {
                if (units.Count == 1 || !split) foreach (var (message, index) in units) Units.DumpUnit(run, message, index, error);
                else foreach (var unit in units) await WriteAsync([unit], split: false);
                return;
            }
            var retry = new List<(Message, int)>();
            for (var i = 0; i < results.Length; i++)
            {
                var (message, index) = units[i];
                switch (results[i].Status)
                {
                    case WriteStatus.Written:
                        run.Counters.CountSent(Paths.Default);
                        break;
                    case WriteStatus.Refused:
                        Units.DumpUnit(run, message, index, new InvalidDataException($"the destination refused the event: {results[i].Reason}"));
                        break;
                    default:
                        retry.Add((message, index));
                        break;
                }
            }
            units = retry;
            if (units.Count > 0)
            {
                Interlocked.Increment(ref run.Counters.Retries);
                await Task.Delay(run.Backoff.Delay(attempt), run.Hard);
            }
        }
    }
}
