using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Runtime;

/// <summary>
/// A parser reading one report body from standard input (<c>--raw</c>), streamed: events go out in parts as they are
/// made, by size or time, so memory stays flat for a report of any size. The parser runs on the calling thread while
/// the events it made are encoded and written on a second one, a part at a time (at most two parts in memory). A signal
/// stops it promptly after what was made so far is handed on.
/// </summary>
sealed class RawRun(RunState run, Failures failures, Stream? input, string? inputName, CancellationToken stop, Action<RunCounters, TimeSpan> observe) : IEmitter
{
    const int PartEvents = 128; // small parts: events handed to the writer die young (bigger ones survived a collection and doubled the peak memory)
    const long FlushBytes = 1 << 20;
    const long MaxReportSize = 64L << 30; // what a compressed member may unpack to; the stream itself is never held whole
    static readonly TimeSpan FlushAfter = TimeSpan.FromSeconds(1);
    static readonly UTF8Encoding StrictUtf8 = new(false, true);
    static readonly string ObservationField = DhoMapping.ToIdf("time.observation")!;
    (Event Event, string Path)[] _part = new (Event, string)[PartEvents], _spare = new (Event, string)[PartEvents];
    int _count;
    Task _writing = Task.CompletedTask;
    long _lastFlush = Stopwatch.GetTimestamp(), _lastObserved = Stopwatch.GetTimestamp();
    string? _routedPath; // the last path found to have a destination, compared by reference: emitters reuse one string

    /// <returns>True when a signal interrupted the report.</returns>
    public async Task<bool> RunAsync()
    {
        var start = Stopwatch.GetTimestamp();
        run.InputName = input is null ? StandardInputName() : inputName ?? "stdin";
        var body = OpenBody();
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
        HandOff(flush: true);
        await _writing;
        run.Dump.Sync();
        observe(run.Counters, Stopwatch.GetElapsedTime(start));
        return interrupted;
    }

    // A file on standard input never blocks a read, so it is read directly; a pipe or terminal through a reader that a
    // signal can wake, and that hands on what was made when the pipe has been idle for a while.
    Stream OpenBody()
    {
        if (input is null)
        {
            var file = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            if (file.CanSeek) return file;
            file.Dispose();
        }
        return new InterruptibleStream(input ?? Console.OpenStandardInput(), stop, () => HandOff(flush: true));
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
        if (!ReferenceEquals(path, _routedPath))
        {
            if (!run.Router.Has(path))
            {
                run.DumpFailure("report", new InvalidOperationException($"no destination for output path '{path}'; give --output {path}=URI"), RunState.EventText(ev), "event");
                return;
            }
            _routedPath = path;
        }
        run.Counters.CountSent(path);
        _part[_count++] = (ev, path);
        if (_count == PartEvents || Stopwatch.GetElapsedTime(_lastFlush) >= FlushAfter) HandOff(flush: false);
    }

    // Gives the events made so far to the writer, once it has finished the previous part (whose failure, a closed pipe
    // say, surfaces here on the parser's thread). With flush, the part is written out and confirmed before returning.
    void HandOff(bool flush)
    {
        _writing.GetAwaiter().GetResult();
        var (part, count) = (_part, _count);
        (_part, _spare, _count) = (_spare, part, 0);
        var due = flush || Stopwatch.GetElapsedTime(_lastFlush) >= FlushAfter;
        if (due) _lastFlush = Stopwatch.GetTimestamp();
        _writing = count == 0 && !due ? Task.CompletedTask : Task.Run(() => WriteAsync(part, count, due));
        if (flush) _writing.GetAwaiter().GetResult();
        if (Stopwatch.GetElapsedTime(_lastObserved) >= FlushAfter)
        {
            _lastObserved = Stopwatch.GetTimestamp();
            observe(run.Counters, TimeSpan.Zero);
        }
    }

    async Task WriteAsync((Event Event, string Path)[] part, int count, bool flush)
    {
        for (var i = 0; i < count; i++)
        {
            run.Router.Route(part[i].Path, part[i].Event);
            part[i] = default;
        }
        if (flush || run.Router.PendingBytes >= FlushBytes) await run.Router.FlushAsync(failures);
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
