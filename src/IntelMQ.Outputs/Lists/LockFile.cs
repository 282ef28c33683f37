using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IntelMQ.Outputs.Lists;

/// <summary>
/// An exclusive lock held on a lock file (an open-file-description <c>fcntl</c> lock, waited for), so that processes
/// sharing an output file take turns at read-merge-rename; released when disposed or when the process dies.
/// </summary>
internal sealed partial class LockFile : IDisposable
{
    const int ORdwr = 0x2, OCreat = 0x40, OCloexec = 0x80000, EIntr = 4;
    const int SetLockWait = 38 /* F_OFD_SETLKW */, WriteLock = 1;

    readonly SafeFileHandle _handle;

    LockFile(SafeFileHandle handle) => _handle = handle;

    /// <exception cref="IOException">The lock file cannot be opened or locked.</exception>
    public static unsafe LockFile Acquire(string path)
    {
        var fd = OpenFile(path, ORdwr | OCreat | OCloexec, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open the lock file '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var whole = new FileRange { Type = WriteLock };
        while (Control(handle, SetLockWait, &whole) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            handle.Dispose();
            throw new IOException($"cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new LockFile(handle);
    }

    public void Dispose() => _handle.Dispose(); // closing the last descriptor of the description releases the lock

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
}
