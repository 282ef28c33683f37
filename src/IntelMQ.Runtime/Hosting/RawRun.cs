using System.Diagnostics;
using System.Text;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// A parser reading one report body from standard input (<c>--raw</c>), streamed: events go out in parts as they are
/// made, by size or time, so memory stays flat for a report of any size. A signal stops it promptly after what was
/// made so far is handed on.
/// </summary>
sealed class RawRun(RunState run, Failures failures, Stream? input, string? inputName, CancellationToken stop, Action<RunCounters, TimeSpan> observe) : IEmitter
{
    const long FlushBytes = 1 << 20;
    const long MaxReportSize = 64L << 30; // what a compressed member may unpack to; the stream itself is never held whole
    static readonly UTF8Encoding StrictUtf8 = new(false, true);
    static readonly string ObservationField = DhoMapping.ToIdf("time.observation")!;
    long _lastFlush = Stopwatch.GetTimestamp();

    /// <returns>True when a signal interrupted the report.</returns>
    public async Task<bool> RunAsync()
    {
        var start = Stopwatch.GetTimestamp();
        run.InputName = input is null ? StandardInputName() : inputName ?? "stdin";
        Stream body = new InterruptibleStream(input ?? Console.OpenStandardInput(), stop, () => { if (run.Router.PendingBytes > 0) Flush(); });
        run.Counters.Messages = 1;
        var report = Event.Create(MessageKind.Report);
        report.Add(ObservationField, Timestamps.Format(run.Options.Context.Clock.GetUtcNow()));
        var interrupted = false;
        try
        {
            // A gzip or zip report is read as what it holds (a zip of one member).
            body = CompressedBody.Open(body, MaxReportSize, out var kind, out var member);
            if (kind is not null) run.Log.LogInformation("{Input}: reading the {Kind} report{Member}", run.InputName, kind, member is null ? "" : $" member {member}");
            if (run.Component is IStreamParser bytes) bytes.Parse(report, body, this);
            else if (run.Component is IParser text) text.Parse(report, new StreamReader(body, StrictUtf8, false, 1 << 16), this);
            else throw new ConfigurationException($"--raw reads a report body, which only parsers take; {run.Options.Program.Name} is {run.Options.Program.Kind.ToString().ToLowerInvariant()}.");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            interrupted = true;
        }
        catch (Exception ex) when (ex is not (ConfigurationException or OutOfMemoryException or ProgramStoppedException))
        {
            run.DumpFailure("report", ex, run.InputName == "stdin"
                ? "(the report body came from a pipe and is not kept: feed the same report again after the fix)"
                : $"(the report body is the file {run.InputName}: feed it again after the fix)");
        }
        await run.Router.FlushAsync(failures);
        run.Dump.Sync();
        observe(run.Counters, Stopwatch.GetElapsedTime(start));
        return interrupted;
    }

    // The file behind standard input, when it is one, so that a dump entry says what to feed again.
    static string StandardInputName()
    {
        try
        {
            var target = File.ResolveLinkTarget("/proc/self/fd/0", returnFinalTarget: false)?.FullName;
            return target is not null && File.Exists(target) ? target : "stdin";
        }
        catch (IOException)
        {
            return "stdin";
        }
    }

    public void Emit(Event ev, string path = Paths.Default)
    {
        stop.ThrowIfCancellationRequested();
        if (run.Router.Route(path, ev)) run.Counters.CountSent(path);
        else run.DumpFailure("report", new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=URI"), RunState.EventText(ev), "event");
        if (run.Router.PendingBytes >= FlushBytes || Stopwatch.GetElapsedTime(_lastFlush) >= TimeSpan.FromSeconds(1)) Flush();
    }

    void Flush()
    {
        run.Router.FlushAsync(failures).AsTask().GetAwaiter().GetResult();
        _lastFlush = Stopwatch.GetTimestamp();
        observe(run.Counters, TimeSpan.Zero);
    }

    public void Reject(string position, string content, Exception error)
    {
        stop.ThrowIfCancellationRequested();
        run.DumpFailure(position, error, content, "part");
    }

    public void Reject(string position, ReadOnlySpan<byte> content, Exception error)
    {
        stop.ThrowIfCancellationRequested();
        run.DumpFailure(position, error, content, "part");
    }

    public void Drop(Event ev, string reason)
    {
        run.Counters.Dropped++;
        if (run.Options.DropPath is { } path) Emit(ev, path);
    }
}
