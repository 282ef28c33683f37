namespace IntelMQ.Experts.Common;

/// <summary>Reads the tab-separated data files under Data/, embedded in this assembly.</summary>
static class EmbeddedTable
{
    /// <returns>The rows, without comment lines (<c>#</c>) and blank lines.</returns>
    public static IEnumerable<string[]> Read(string name)
    {
        using var stream = typeof(EmbeddedTable).Assembly.GetManifestResourceStream("IntelMQ.Experts." + name)
                           ?? throw new InvalidOperationException($"the embedded data file {name} is missing from the build");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && line[0] != '#') yield return line.Split('\t');
    }
}
