using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IntelMQ.Runtime;

/// <summary>
/// Reads a stream line by line as UTF-8 bytes, without decoding to strings. A line longer than the maximum is not
/// buffered: its first bytes are kept, the rest is skipped as it comes, and it is returned as too long. With a
/// descriptor to poll (a pipe, standard input), a read happens only when data is there, so that a caller waiting for
/// data can give up at a deadline or on cancellation instead of blocking in read(2).
/// </summary>
/// <param name="maxLength">The longest line accepted, in bytes.</param>
/// <param name="pollable">The stream's descriptor, when reading it may block (a pipe, a terminal); the stream must not buffer.</param>
public sealed partial class LineReader(Stream stream, long maxLength = long.MaxValue, SafeFileHandle? pollable = null)
{
    /// <summary>How much of a line that is too long is kept (for the dump).</summary>
    public const int KeptOfTooLong = 64 * 1024;

    byte[] _buffer = new byte[64 * 1024];
    int _start, _end;
    byte[]? _head; // the kept start of a line too long, while the rest is skipped
    long _skipped; // that line's bytes dropped so far

    /// <summary>The last read found the end of the stream (for a file being written: the end for now).</summary>
    public bool Ended { get; private set; }

    /// <summary>The next line without its line end (LF or CRLF), or false when the stream has no more for now.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line) => TryReadLine(out line, out _, out _);

    /// <param name="consumed">Bytes the line took in the stream, line end included.</param>
    /// <param name="tooLong">The line is longer than the maximum: <paramref name="line"/> is only its first bytes.</param>
    /// <param name="partialAtEnd">Return a last line that has no line end (false while a file is still being written).</param>
    public bool TryReadLine(out ReadOnlyMemory<byte> line, out long consumed, out bool tooLong, bool partialAtEnd = true)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                var length = newline - _start;
                consumed = _skipped + length + 1;
                if (length > 0 && _buffer[newline - 1] == '\r') length--;
                line = Take(length, out tooLong);
                _start = newline + 1;
                return true;
            }
            if (_head is not null || _end - _start > maxLength) Skip();
            scanFrom = _end;
            if (Fill(ref scanFrom)) continue;
            consumed = _skipped + _end - _start;
            if (!partialAtEnd || !Ended || consumed == 0)
            {
                line = default;
                consumed = 0;
                tooLong = false;
                return false;
            }
            line = Take(_end - _start, out tooLong);
            _start = _end;
            return true;
        }
    }

    ReadOnlyMemory<byte> Take(int length, out bool tooLong)
    {
        tooLong = _head is not null || length > maxLength;
        if (!tooLong) return _buffer.AsMemory(_start, length);
        var head = _head ?? _buffer.AsSpan(_start, (int)Math.Min(length, Kept)).ToArray();
        _head = null;
        _skipped = 0;
        return head;
    }

    long Kept => Math.Min(KeptOfTooLong, maxLength);

    // Keeps the start of a line that is too long and drops what is buffered of it.
    void Skip()
    {
        _head ??= _buffer.AsSpan(_start, (int)Math.Min(_end - _start, Kept)).ToArray();
        _skipped += _end - _start;
        _start = _end;
    }

    bool Fill(ref int scanFrom)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            scanFrom -= _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        if (pollable is not null && !Poll(pollable, 0)) return false;
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        Ended = read == 0;
        return read > 0;
    }

    /// <summary>Waits until a read would not block (data, or the end of the stream); false when <paramref name="wait"/> passed first.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (pollable is null) return true;
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // In slices, so that cancellation is seen within a tenth of a second.
            var slice = (int)Math.Clamp((deadline - DateTime.UtcNow).TotalMilliseconds, 0, 100);
            if (await Task.Run(() => Poll(pollable, slice), cancellationToken)) return true;
            if (DateTime.UtcNow >= deadline) return false;
        }
    }

    static bool Poll(SafeFileHandle handle, int milliseconds)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var descriptor = new PollDescriptor { Fd = (int)handle.DangerousGetHandle(), Events = 1 /* POLLIN */ };
            // Any event counts: POLLHUP or POLLERR mean a read returns at once (end of stream or the error).
            return PollDescriptors(ref descriptor, 1, milliseconds) > 0;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct PollDescriptor
    {
        public int Fd;
        public short Events, Returned;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollDescriptors(ref PollDescriptor descriptors, nuint count, int timeout);
}
