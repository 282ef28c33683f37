using System.Buffers;
using System.IO.Pipelines;

namespace IntelMQ.Runtime;

/// <summary>
/// A read-only stream over one that may block for ever (standard input, a pipe whose writer is idle), read on a
/// background task, so that a reader waiting for data wakes up with <see cref="OperationCanceledException"/> when the
/// run is stopped instead of sitting in a read(2) that no signal ends. When no data has come for a second,
/// <paramref name="idle"/> runs once on the reader's thread (a parser hands on the events it made so far).
/// </summary>
sealed class InterruptibleStream : ReadOnlyStream
{
    static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(1);
    readonly PipeReader _reader;
    readonly CancellationToken _stop;
    readonly Action? _idle;
    ReadOnlySequence<byte> _held;
    bool _done;

    public InterruptibleStream(Stream inner, CancellationToken stop, Action? idle = null) : base(null)
    {
        _stop = stop;
        _idle = idle;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, minimumSegmentSize: 1 << 16));
        _reader = pipe.Reader;
        _ = Task.Run(async () =>
        {
            try { await inner.CopyToAsync(pipe.Writer, CancellationToken.None); await pipe.Writer.CompleteAsync(); }
            catch (Exception ex) { await pipe.Writer.CompleteAsync(ex); }
        }, CancellationToken.None);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_held.IsEmpty && !_done)
        {
            var pending = _reader.ReadAsync(_stop);
            if (!pending.IsCompleted && _idle is not null)
            {
                var waiting = pending.AsTask();
                // A wait the stop ended is not idleness: the run's own end hands on what was made.
                if (Task.WhenAny(waiting, Task.Delay(IdleAfter, _stop)).GetAwaiter().GetResult() != waiting && !_stop.IsCancellationRequested) _idle();
                pending = new ValueTask<ReadResult>(waiting);
            }
            var result = pending.AsTask().GetAwaiter().GetResult();
            _held = result.Buffer;
            _done = result.IsCompleted && _held.IsEmpty;
            if (_done) _reader.AdvanceTo(_held.End);
        }
        if (_held.IsEmpty) return 0;
        var n = (int)Math.Min(buffer.Length, _held.Length);
        _held.Slice(0, n).CopyTo(buffer);
        _held = _held.Slice(n);
        if (_held.IsEmpty) _reader.AdvanceTo(_held.Start);
        return n;
    }
}
