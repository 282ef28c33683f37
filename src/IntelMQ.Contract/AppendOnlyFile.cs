using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IntelMQ.Contract;

/// <summary>
/// A file opened for appending with <c>O_APPEND</c>, written with one <c>write(2)</c> per call: the kernel places each
/// write at the end of the file, so several processes appending to one file (<c>--processes</c>, a replay beside a
/// daemon) never overwrite each other, as long as each call holds whole lines.
/// </summary>
public sealed partial class AppendOnlyFile : IDisposable
{
    const int OWronly = 0x1, OCreat = 0x40, OAppend = 0x400, OCloexec = 0x80000, EIntr = 4;
    readonly SafeFileHandle _handle;

    AppendOnlyFile(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens (creating it and its directory when missing) <paramref name="path"/> for appending.</summary>
    /// <exception cref="IOException">It cannot be opened; the message names the file and the reason.</exception>
    public static AppendOnlyFile Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException(ex.Message, ex);
        }
        var fd = OpenFile(full, OWronly | OCreat | OAppend | OCloexec, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open '{full}' for appending: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new AppendOnlyFile(new SafeFileHandle(fd, ownsHandle: true), full);
    }

    /// <summary>Appends <paramref name="data"/> at the end of the file in one write (the kernel may split only a write that fills the disk).</summary>
    public unsafe void Append(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = WriteFile(_handle, start + done, data.Length - done);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr) continue;
                    throw new IOException($"cannot append to '{Path}': {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                done += (int)n;
            }
        }
    }

    /// <summary>Makes everything appended so far durable (fsync).</summary>
    public void Sync()
    {
        if (FileSync(_handle) != 0)
            throw new IOException($"cannot fsync '{Path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>
    /// Whether this file is still the one at <paramref name="path"/>: false once it was renamed away or deleted (a dump
    /// taken for replay), so that the writer opens a new one instead of writing where nobody looks.
    /// </summary>
    public bool StillAt(string path) =>
        File.ResolveLinkTarget($"/proc/self/fd/{_handle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName == System.IO.Path.GetFullPath(path);

    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFile(SafeFileHandle fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSync(SafeFileHandle fd);
}
