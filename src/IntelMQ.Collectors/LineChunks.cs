namespace IntelMQ.Collectors;

/// <summary>
/// IntelMQ's chunking: parts of at most chunk_size bytes split at line ends (a longer line is a part of its own), the
/// first line repeated at the top of every part with chunk_replicate_header. Memory holds one part.
/// </summary>
static class LineChunks
{
    public static IEnumerable<(MemoryStream Part, bool Last)> Split(Stream body, long chunkSize, bool replicateHeader)
    {
        var input = new BufferedStream(body, 1 << 16);
        var line = new MemoryStream();
        var part = new MemoryStream();
        byte[]? header = null;
        var rows = false;
        while (ReadLine(input, line))
        {
            if (header is null) header = line.ToArray();
            else
            {
                if (rows && part.Length + line.Length > chunkSize)
                {
                    part.Position = 0;
                    yield return (part, false);
                    part = new MemoryStream();
                    if (replicateHeader) part.Write(header);
                }
                rows = true;
            }
            line.WriteTo(part);
            line.SetLength(0);
        }
        part.Position = 0;
        yield return (part, true);
    }

    static bool ReadLine(Stream input, MemoryStream line)
    {
        for (int b; (b = input.ReadByte()) >= 0;)
        {
            line.WriteByte((byte)b);
            if (b == '\n') return true;
        }
        return line.Length > 0;
    }
}
