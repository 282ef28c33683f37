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
    const int OWronly = 0x1, OCreat = 0x40, OAppend = 0x400, OCloexec = 0x80000, EIntr = 4, ENoent = 2;
    const int SetLock = 37 /* F_OFD_SETLK */, SetLockWait = 38 /* F_OFD_SETLKW */, WriteLock = 1, Unlock = 2, EAgain = 11, EAccess = 13;
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
    public bool StillAt(string path) => IsAt(_handle, path);

    static bool IsAt(SafeFileHandle handle, string path) =>
        File.ResolveLinkTarget($"/proc/self/fd/{handle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName == System.IO.Path.GetFullPath(path);

    /// <summary>
    /// Appends under an exclusive lock on the file, if it is still the one at <paramref name="path"/>; false when
    /// <see cref="MoveLocked"/> took it away meanwhile (the caller opens the path anew and appends there).
    /// </summary>
    public bool AppendIfStillAt(string path, ReadOnlySpan<byte> data)
    {
        Lock(_handle, Path);
        try
        {
            if (!StillAt(path)) return false;
            Append(data);
            return true;
        }
        finally
        {
            FileLock(_handle, Unlock);
        }
    }

    /// <summary>
    /// Renames the file at <paramref name="path"/> to <paramref name="destination"/> under the lock that
    /// <see cref="AppendIfStillAt"/> takes, so that no append lands in it after it was moved (a dump taken for replay);
    /// false when there is no file at <paramref name="path"/>.
    /// </summary>
    public static bool MoveLocked(string path, string destination)
    {
        while (true)
        {
            var fd = OpenFile(System.IO.Path.GetFullPath(path), OWronly | OCloexec, 0); // a write lock needs a descriptor open for writing
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == ENoent) return false;
                throw new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            Lock(handle, path);
            // Another mover may have taken the file while this one waited for the lock: lock the one now there.
            if (!IsAt(handle, path)) continue;
            File.Move(path, destination);
            return true; // closing the handle releases the lock
        }
    }

    /// <summary>
    /// Holds an exclusive lock on the file at <paramref name="path"/> (created when missing) until disposed, so that
    /// processes rewriting a shared file take turns at read-merge-rename; a process that dies releases it.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened or locked.</exception>
    public static IDisposable LockExclusive(string path)
    {
        var fd = OpenFile(System.IO.Path.GetFullPath(path), OWronly | OCreat | OCloexec, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open the lock file '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Lock(handle, path);
            return handle; // closing the descriptor releases the lock
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Like <see cref="LockExclusive"/>, without waiting: null when another process holds the lock. For state a single
    /// process may keep (a program's marks or counts), so that a second one is refused rather than rewriting it.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened or locked for another reason.</exception>
    public static IDisposable? TryLockExclusive(string path)
    {
        var fd = OpenFile(System.IO.Path.GetFullPath(path), OWronly | OCreat | OCloexec, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open the lock file '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (FileLock(handle, WriteLock, SetLock) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            handle.Dispose();
            if (errno is EAgain or EAccess) return null;
            throw new IOException($"cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return handle;
    }

    // An open-file-description lock (fcntl), not flock(2): .NET takes flock locks itself to emulate FileShare, and an
    // exclusive one would make every .NET reader of the file fail while an entry is written.
    static void Lock(SafeFileHandle handle, string path)
    {
        while (FileLock(handle, WriteLock) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr) throw new IOException($"cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public void Dispose() => _handle.Dispose();

    static unsafe int FileLock(SafeFileHandle fd, short type, int command = SetLockWait)
    {
        var whole = new FileRange { Type = type }; // from the start, to the end however far it grows
        return Control(fd, command, &whole);
    }

    [StructLayout(LayoutKind.Sequential)]
    struct FileRange
    {
        public short Type, Whence;
        public long Start, Length;
        public int Pid;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static unsafe partial int Control(SafeFileHandle fd, int command, FileRange* range);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFile(SafeFileHandle fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSync(SafeFileHandle fd);
}
