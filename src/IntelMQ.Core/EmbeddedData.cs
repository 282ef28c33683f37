using System.Reflection;

namespace IntelMQ.Core;

/// <summary>Reads the data files vendored into this assembly (catalogues, mapping tables, vocabularies).</summary>
public static class EmbeddedData
{
    public static Stream Open(string name, Assembly? assembly = null)
    {
        assembly ??= typeof(EmbeddedData).Assembly;
        var resource = $"{assembly.GetName().Name}.{name}";
        return assembly.GetManifestResourceStream(resource)
               ?? throw new InvalidOperationException($"The data file '{name}' is missing from {assembly.GetName().Name}; the build is broken.");
    }

    /// <summary>Rows of a tab-separated file, without comments, blank lines and the header row.</summary>
    public static IEnumerable<string[]> ReadTable(string name, Assembly? assembly = null)
    {
        using var reader = new StreamReader(Open(name, assembly));
        var header = true;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            if (header) { header = false; continue; }
            yield return line.Split('\t');
        }
    }
}
