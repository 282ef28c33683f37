using System.Text;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// A report body that a parser can read more than once (a STIX bundle's relationships may follow what they describe):
/// the stream itself when it can seek, else a copy, in memory up to 1 MiB and beyond that in a temporary file that is
/// deleted when the body is disposed.
/// </summary>
public sealed class ReplayableBody : IDisposable
{
    const int InMemory = 1 << 20;

    readonly Stream _stream;
    readonly long _origin;
    readonly bool _owned;

    ReplayableBody(Stream stream, long origin, bool owned)
    {
        _stream = stream;
        _origin = origin;
        _owned = owned;
    }

    public static ReplayableBody Of(Stream body)
    {
        if (body.CanSeek) return new ReplayableBody(body, body.Position, owned: false);
        var copy = Copy(buffer => body.Read(buffer));
        return new ReplayableBody(copy, 0, owned: true);
    }

    public static ReplayableBody Of(TextReader body)
    {
        var chars = new char[16 * 1024];
        var encoder = new UTF8Encoding(false).GetEncoder();
        var copy = Copy(buffer =>
        {
            // A chunk ending in half a surrogate pair encodes to nothing yet: read on until bytes come or the text ends.
            while (true)
            {
                var n = body.Read(chars, 0, chars.Length);
                var bytes = encoder.GetBytes(chars, 0, n, buffer, 0, flush: n == 0);
                if (bytes > 0 || n == 0) return bytes;
            }
        }, chunk: chars.Length * 4);
        return new ReplayableBody(copy, 0, owned: true);
    }

    /// <summary>The body from its start.</summary>
    public Stream Rewind()
    {
        _stream.Position = _origin;
        return _stream;
    }

    /// <summary>Up to <paramref name="max"/> bytes from <paramref name="offset"/> (bytes from the start of the body).</summary>
    public byte[] Slice(long offset, int max)
    {
        _stream.Position = _origin + offset;
        var bytes = new byte[max];
        var n = _stream.ReadAtLeast(bytes, max, throwOnEndOfStream: false);
        return bytes[..n];
    }

    public void Dispose()
    {
        if (_owned) _stream.Dispose();
    }

    static Stream Copy(Func<byte[], int> read, int chunk = 64 * 1024)
    {
        Stream copy = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = read(buffer)) > 0)
        {
            if (copy is MemoryStream memory && memory.Length + n > InMemory)
            {
                var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                memory.Position = 0;
                memory.CopyTo(file);
                copy = file;
            }
            copy.Write(buffer, 0, n);
        }
        return copy;
    }
}
