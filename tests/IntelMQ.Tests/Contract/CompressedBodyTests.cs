using System.IO.Compression;
using System.Text;

namespace IntelMQ.Tests.Contract;

public sealed class CompressedBodyTests
{
    const string Csv = "\"timestamp\",\"ip\"\n\"2024-05-01 00:00:00\",\"192.0.2.1\"\n";

    /// <summary>A stream that cannot seek, as standard input or an HTTP response.</summary>
    sealed class Unseekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    static string ReadAll(Stream stream) => new StreamReader(stream, Encoding.UTF8).ReadToEnd();

    static byte[] Gzip(string text)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    static byte[] Zip(params (string Name, string Text)[] files)
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create))
            foreach (var (name, text) in files)
                using (var entry = archive.CreateEntry(name).Open()) entry.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    [Fact]
    public void A_gzipped_body_is_decompressed()
    {
        using var content = CompressedBody.Open(new Unseekable(Gzip(Csv)), 1 << 20, out var kind, out var member);
        Assert.Equal(Csv, ReadAll(content));
        Assert.Equal("gzip", kind);
        Assert.Null(member);
    }

    [Fact]
    public void A_zip_archive_with_one_file_gives_that_file_and_its_name()
    {
        using var content = CompressedBody.Open(new Unseekable(Zip(("2024-05-01-scan_smb-geo.csv", Csv))), 1 << 20, out var kind, out var member);
        Assert.Equal(Csv, ReadAll(content));
        Assert.Equal("zip", kind);
        Assert.Equal("2024-05-01-scan_smb-geo.csv", member);
    }

    [Fact]
    public void A_plain_body_is_passed_through_with_its_first_bytes()
    {
        using var content = CompressedBody.Open(new Unseekable(Encoding.UTF8.GetBytes(Csv)), 1 << 20, out var kind, out _);
        Assert.Equal(Csv, ReadAll(content));
        Assert.Null(kind);
        using var tiny = CompressedBody.Open(new Unseekable("x"u8.ToArray()), 1 << 20, out _, out _);
        Assert.Equal("x", ReadAll(tiny));
    }

    [Fact]
    public void A_zip_archive_with_several_files_is_refused_naming_them()
    {
        var error = Assert.Throws<InvalidDataException>(() => CompressedBody.Open(new Unseekable(Zip(("a.csv", Csv), ("b.csv", Csv))), 1 << 20, out _, out _));
        Assert.Contains("a.csv, b.csv", error.Message);
    }

    [Fact]
    public void A_body_expanding_past_the_limit_is_refused()
    {
        var big = new string('x', 100_000);
        var zip = Assert.Throws<InvalidDataException>(() => CompressedBody.Open(new Unseekable(Zip(("big.csv", big))), 1000, out _, out _));
        Assert.Contains("big.csv is 100000 bytes", zip.Message);
        using var gzip = CompressedBody.Open(new Unseekable(Gzip(big)), 1000, out _, out _);
        Assert.Throws<InvalidDataException>(() => ReadAll(gzip));
    }
}
