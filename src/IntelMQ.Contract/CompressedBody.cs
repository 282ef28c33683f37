using System.IO.Compression;

namespace IntelMQ.Contract;

/// <summary>
/// A report body as it may come from a feed: gzip-compressed or a zip archive with one file, recognised by its first
/// bytes (not its name), decompressed on the way; any other body is passed through unchanged.
/// </summary>
public static class CompressedBody
{
    /// <summary>Returns the decompressed content of <paramref name="body"/>, or <paramref name="body"/> itself (its first bytes read and given back) when it is not compressed.</summary>
    /// <param name="body">The body; need not be seekable (standard input, a pipe, an HTTP response).</param>
    /// <param name="maxSize">The largest decompressed size accepted: a zip member declaring more is refused at once, and reading past it fails.</param>
    /// <param name="kind">"gzip", "zip" or null (not compressed).</param>
    /// <param name="member">A zip archive's member name (a feed's file name, e.g. for a parser choosing its schema), else null.</param>
    /// <exception cref="InvalidDataException">A zip archive with no file or several (the message names them), one larger than <paramref name="maxSize"/>, or a damaged archive.</exception>
    public static Stream Open(Stream body, long maxSize, out string? kind, out string? member)
    {
        var head = new byte[4];
        var length = 0;
        while (length < head.Length && body.Read(head, length, head.Length - length) is > 0 and var n) length += n;
        var whole = new PrefixedStream(head.AsMemory(0, length), body);
        member = null;
        if (length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            kind = "gzip";
            return new BoundedStream(new GZipStream(whole, CompressionMode.Decompress), maxSize, "the gzip content");
        }
        if (length == 4 && head is [(byte)'P', (byte)'K', 3, 4])
        {
            kind = "zip";
            var archive = new ZipArchive(whole, ZipArchiveMode.Read);
            var files = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            if (files.Count != 1)
                throw new InvalidDataException(files.Count == 0 ? "the zip archive holds no file"
                    : $"the zip archive holds {files.Count} files ({string.Join(", ", files.Select(f => f.FullName))}); expected one report per archive");
            var file = files[0];
            if (file.Length > maxSize) throw new InvalidDataException($"the zip archive's file {file.FullName} is {file.Length} bytes, more than the limit of {maxSize}");
            member = file.FullName;
            return new BoundedStream(file.Open(), maxSize, $"the zip archive's file {file.FullName}");
        }
        kind = null;
        return whole;
    }

    /// <summary>The bytes already read to recognise the body, then the rest of it.</summary>
    sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyStream(rest)
    {
        public override int Read(Span<byte> buffer)
        {
            if (prefix.IsEmpty) return Inner!.Read(buffer);
            var n = Math.Min(prefix.Length, buffer.Length);
            prefix.Span[..n].CopyTo(buffer);
            prefix = prefix[n..];
            return n;
        }
    }

    /// <summary>Fails once more than the limit was read: a small compressed body can expand without bound (a zip bomb).</summary>
    sealed class BoundedStream(Stream inner, long limit, string what) : ReadOnlyStream(inner)
    {
        long _read;

        public override int Read(Span<byte> buffer)
        {
            var n = Inner!.Read(buffer);
            _read += n;
            return _read > limit ? throw new InvalidDataException($"{what} is larger than the limit of {limit} bytes") : n;
        }
    }
}
