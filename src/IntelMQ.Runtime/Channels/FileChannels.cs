using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Runtime.Channels;

/// <summary>
/// <c>file:PATH</c> — input reads the file once (or, with <c>follow=true</c>, keeps reading what is appended and
/// remembers the acknowledged position in <c>offset_file</c>, default beside the state); output appends,
/// fsynced with <c>fsync=true</c>. <c>pipe:PATH</c> — a named pipe, created when missing.
/// </summary>
public static partial class FileChannels
{
    /// <summary>Standard input, read through its descriptor without buffering, so that waiting for a line can be cancelled.</summary>
    public static IInputChannel OpenStandardInput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["max_message_size"]);
        if (context.StandardInput is { } given) return new StreamInputChannel(given, "stdin", address.MaxMessageSize());
        var descriptor = new SafeFileHandle(0, ownsHandle: false);
        return new StreamInputChannel(new FileStream(descriptor, FileAccess.Read, bufferSize: 0), "stdin", address.MaxMessageSize(), descriptor);
    }

    public static IInputChannel OpenInput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["follow", "offset_file", "poll_ms", "max_message_size"]);
        var path = PathOf(address);
        if (!File.Exists(path) && !address.GetBool("follow")) throw new ConfigurationException($"{address}: no such file.");
        if (!address.GetBool("follow")) return new StreamInputChannel(File.OpenRead(path), address.ToString(), address.MaxMessageSize());
        var offsets = address.Get("offset_file") ?? Path.Combine(Installation.StateDirectory, "offsets", $"{context.ProgramId}.{Path.GetFileName(path)}.offset");
        return new FollowingFileChannel(path, offsets, address.ToString(), TimeSpan.FromMilliseconds(address.GetInt("poll_ms", 200, 10)), address.MaxMessageSize());
    }

    public static IOutputChannel OpenOutput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["fsync", "format"]);
        AppendOnlyFile file;
        try
        {
            file = AppendOnlyFile.Open(PathOf(address));
        }
        catch (IOException ex)
        {
            throw new ConfigurationException($"{address}: {ex.Message}");
        }
        return new AppendingFileChannel(file, address.ToString(), ChannelCatalog.Format(address), address.GetBool("fsync"));
    }

    /// <summary>
    /// Opened without waiting for a writer (O_NONBLOCK, cleared once open), so that a program waiting for its first
    /// writer can be stopped; reads wait by poll(2) for the same reason.
    /// </summary>
    public static IInputChannel OpenPipeInput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["max_message_size"]);
        var path = EnsureFifo(address);
        var fd = OpenFile(Path.GetFullPath(path), ORdonly | ONonblock | OCloexec);
        if (fd < 0) throw new ConfigurationException($"{address}: cannot open the named pipe: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Control(handle, FSetfl, 0) != 0) throw new IOException($"{address}: cannot make the named pipe blocking: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new StreamInputChannel(new FileStream(handle, FileAccess.Read, bufferSize: 0), address.ToString(), address.MaxMessageSize(), handle);
    }

    public static IOutputChannel OpenPipeOutput(ChannelAddress address, ChannelContext context)
    {
        address.CheckOptions(["format"]);
        var path = EnsureFifo(address);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
        return new StreamOutputChannel(stream, address.ToString(), ChannelCatalog.Format(address), pipe: true);
    }

    static string PathOf(ChannelAddress address) =>
        address.Rest.StartsWith("//", StringComparison.Ordinal) ? address.Uri.LocalPath
        : address.Rest.Length > 0 ? address.Rest : throw new ConfigurationException($"{address}: a path is missing, e.g. file:/var/lib/intelmq/events.jsonl");

    static string EnsureFifo(ChannelAddress address)
    {
        var path = PathOf(address);
        if (!File.Exists(path) && MakeFifo(path, 0x180 /* 0600 */) != 0)
            throw new ConfigurationException($"{address}: cannot create the named pipe (mkfifo failed, errno {Marshal.GetLastPInvokeError()}).");
        return path;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    const int ORdonly = 0, ONonblock = 0x800, OCloexec = 0x80000, FSetfl = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Control(SafeFileHandle fd, int command, int argument);

    /// <summary>Appends each batch in one write to a file opened with O_APPEND, so that several writers of one file never overwrite each other.</summary>
    sealed class AppendingFileChannel(AppendOnlyFile file, string name, MessageFormat format, bool fsync) : IOutputChannel
    {
        readonly ArrayBufferWriter<byte> _batch = new(1 << 16);

        public string Name { get; } = name;
        public MessageFormat Format { get; } = format;

        public ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, CancellationToken cancellationToken)
        {
            _batch.ResetWrittenCount();
            foreach (var message in messages)
            {
                _batch.Write(message.Span);
                _batch.Write("\n"u8);
            }
            file.Append(_batch.WrittenSpan);
            if (fsync) file.Sync();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            file.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads what is appended to a file, resuming after the last acknowledged message across restarts.</summary>
    sealed class FollowingFileChannel : StreamInputChannel
    {
        readonly string _offsetFile;
        readonly TimeSpan _poll;

        public FollowingFileChannel(string path, string offsetFile, string name, TimeSpan poll, long maxMessageSize)
            : base(Open(path, offsetFile, out var offset), name, maxMessageSize)
        {
            _offsetFile = offsetFile;
            _poll = poll;
            Skip(offset);
        }

        static FileStream Open(string path, string offsetFile, out long offset)
        {
            offset = File.Exists(offsetFile) && long.TryParse(File.ReadAllText(offsetFile), out var o) ? o : 0;
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            if (offset > stream.Length) offset = 0; // the file was truncated or replaced
            stream.Seek(offset, SeekOrigin.Begin);
            return stream;
        }

        public override async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                var batch = await base.ReceiveAsync(maxCount, wait, cancellationToken);
                if (batch is not null) return batch;
                if (DateTime.UtcNow >= deadline) return [];
                await Task.Delay(_poll, cancellationToken);
            }
        }

        public override bool Follows => true;

        public override async ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
        {
            await base.AckAsync(deliveries, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_offsetFile))!);
            var temp = _offsetFile + ".tmp";
            await File.WriteAllTextAsync(temp, Committed.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            File.Move(temp, _offsetFile, overwrite: true);
        }
    }
}
