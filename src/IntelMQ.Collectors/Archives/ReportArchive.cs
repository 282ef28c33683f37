using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace IntelMQ.Collectors.Archives;

/// <summary>
/// Unpacks what IntelMQ's extract_files unpacks: gzip, zip, tar and tar.gz, recognised by their first bytes, one
/// member per file. Every member is unpacked whole into a temporary file before it is handed out, so that a corrupt
/// one is known (and named) before anything of it is sent.
/// </summary>
public static class ReportArchive
{
    /// <summary>The largest unpacked member: a small archive can claim to hold far more (a zip bomb). A report is at most this large anyway.</summary>
    public const long MaxMemberSize = 1L << 30;

    /// <summary>
    /// The files of <paramref name="body"/> whose names <paramref name="wanted"/> accepts, or the body itself (one member
    /// named <paramref name="name"/>) when it is no archive. Takes ownership of <paramref name="body"/>.
    /// </summary>
    /// <param name="body">Seekable, at its start (a downloaded temporary file, an attachment).</param>
    public static List<ArchiveMember> Extract(Stream body, string name, Func<string, bool> wanted)
    {
        var head = Head(body, 4);
        if (head is [0x1f, 0x8b, ..]) return ExtractGzip(body, name, wanted);
        if (head is [(byte)'P', (byte)'K', 3, 4]) return ExtractZip(body, name, wanted);
        if (IsTar(body)) return ExtractTar(body, name, wanted);
        return [new ArchiveMember(name, body)];
    }

    static List<ArchiveMember> ExtractGzip(Stream body, string name, Func<string, bool> wanted)
    {
        var inner = GzipFileName(body) ?? (name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) ? name[..^4] + ".tar"
            : name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name);
        Stream content;
        using (body)
        {
            try
            {
                content = Unpacked(new GZipStream(body, CompressionMode.Decompress), name);
            }
            catch (InvalidDataException ex)
            {
                return [new ArchiveMember(name, null, new InvalidDataException($"{name}: the gzip data is corrupt: {ex.Message}", ex))];
            }
        }
        if (IsTar(content)) return ExtractTar(content, inner, wanted);
        if (wanted(inner)) return [new ArchiveMember(inner, content)];
        content.Dispose();
        return [];
    }

    static List<ArchiveMember> ExtractZip(Stream body, string name, Func<string, bool> wanted)
    {
        var members = new List<ArchiveMember>();
        using (body)
        {
            ZipArchive archive;
            try
            {
                archive = new ZipArchive(body, ZipArchiveMode.Read);
            }
            catch (InvalidDataException ex)
            {
                return [new ArchiveMember(name, null, new InvalidDataException($"{name}: not a readable zip archive: {ex.Message}", ex))];
            }
            using (archive)
                foreach (var entry in archive.Entries)
                {
                    if (entry.FullName.EndsWith('/') || !wanted(entry.FullName)) continue;
                    try
                    {
                        if (entry.Length > MaxMemberSize) throw new InvalidDataException($"it claims {entry.Length} bytes, more than {MaxMemberSize}");
                        members.Add(new ArchiveMember(entry.FullName, Unpacked(entry.Open(), entry.FullName, entry.Crc32)));
                    }
                    catch (Exception ex) when (ex is InvalidDataException or NotSupportedException)
                    {
                        members.Add(new ArchiveMember(entry.FullName, null, new InvalidDataException($"{name}: member {entry.FullName} is corrupt: {ex.Message}", ex)));
                    }
                }
        }
        return members;
    }

    static List<ArchiveMember> ExtractTar(Stream body, string name, Func<string, bool> wanted)
    {
        var members = new List<ArchiveMember>();
        using (body)
        using (var reader = new TarReader(body))
        {
            var last = "";
            try
            {
                for (TarEntry? entry; (entry = reader.GetNextEntry()) is not null;)
                {
                    // `tar -C dir .` names its members ./file: the file's name is what a parser looks at.
                    last = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile) || !wanted(last)) continue;
                    members.Add(entry.DataStream is null ? new ArchiveMember(last, new MemoryStream()) : new ArchiveMember(last, Unpacked(entry.DataStream, last)));
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
            {
                var where = last.Length == 0 ? "at its start" : $"after member {last}";
                members.Add(new ArchiveMember(name, null, new InvalidDataException($"{name}: the tar archive is corrupt {where}; the members after it are lost: {ex.Message}", ex)));
            }
        }
        return members;
    }

    /// <summary>Unpacks into a temporary file (deleted when closed), refusing more than <see cref="MaxMemberSize"/> and, given the archive's CRC-32, other content.</summary>
    static FileStream Unpacked(Stream source, string name, uint? crc32 = null)
    {
        var crc = crc32 is null ? null : new Crc32();
        var file = TemporaryFile.Create("member");
        try
        {
            using (source)
            {
                var buffer = new byte[1 << 16];
                for (int n; (n = source.Read(buffer)) > 0;)
                {
                    if (file.Length + n > MaxMemberSize) throw new InvalidDataException($"{name} is larger than {MaxMemberSize} bytes once unpacked");
                    file.Write(buffer, 0, n);
                    crc?.Append(buffer.AsSpan(0, n));
                }
            }
            // .NET's zip reader does not check a member's CRC-32: a damaged stored member would pass unnoticed.
            if (crc is not null && crc.GetCurrentHashAsUInt32() != crc32)
                throw new InvalidDataException($"its content does not match the archive's CRC-32 ({crc.GetCurrentHashAsUInt32():x8}, expected {crc32:x8})");
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    static byte[] Head(Stream body, int count)
    {
        var head = new byte[count];
        var length = body.ReadAtLeast(head, count, throwOnEndOfStream: false);
        body.Position = 0;
        return head[..length];
    }

    // POSIX and GNU tar write "ustar" at offset 257 of the first header.
    static bool IsTar(Stream body)
    {
        if (body.Length < 512) return false;
        body.Position = 257;
        var magic = new byte[5];
        var read = body.ReadAtLeast(magic, 5, throwOnEndOfStream: false);
        body.Position = 0;
        return read == 5 && magic.AsSpan().SequenceEqual("ustar"u8);
    }

    // RFC 1952: FNAME, a NUL-terminated Latin-1 name after the optional FEXTRA field.
    static string? GzipFileName(Stream body)
    {
        try
        {
            var header = new byte[10];
            if (body.ReadAtLeast(header, 10, throwOnEndOfStream: false) < 10 || (header[3] & 8) == 0) return null;
            if ((header[3] & 4) != 0)
            {
                Span<byte> length = stackalloc byte[2];
                body.ReadExactly(length);
                body.Seek(length[0] | length[1] << 8, SeekOrigin.Current);
            }
            var name = new List<byte>();
            for (int b; (b = body.ReadByte()) > 0 && name.Count < 1024;) name.Add((byte)b);
            var text = Encoding.Latin1.GetString(name.ToArray());
            return text.Length > 0 ? Path.GetFileName(text) : null;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        finally
        {
            body.Position = 0;
        }
    }
}
