using System.Security.Cryptography;
using System.Text;

namespace IntelMQ.Outputs.Misp;

/// <summary>The MISP attribute type, category and IDS flag of an IntelMQ field (Data/misp-attribute-types.tsv), shared by the MISP outputs.</summary>
internal static class MispAttributeTypes
{
    public readonly record struct Kind(string Type, string Category, bool ToIds);

    static readonly Kind Text = new("text", "Other", false);

    static readonly Dictionary<string, Kind> Kinds = Load();

    /// <summary>The kind of the field named as IntelMQ names it; text in Other for a field the table does not list.</summary>
    public static Kind Of(string intelmqName) => Kinds.TryGetValue(intelmqName, out var kind) ? kind : Text;

    /// <summary>A name-based UUID (version 5 layout over SHA-1): the same name gives the same MISP uuid in every process.</summary>
    public static Guid NameUuid(string name)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    static Dictionary<string, Kind> Load()
    {
        using var stream = typeof(MispAttributeTypes).Assembly.GetManifestResourceStream("IntelMQ.Outputs.misp-attribute-types.tsv")
                           ?? throw new InvalidOperationException("the embedded misp-attribute-types.tsv is missing");
        using var reader = new StreamReader(stream);
        var kinds = new Dictionary<string, Kind>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            kinds[cells[0]] = new Kind(cells[1], cells[2], cells[3] == "true");
        }
        return kinds;
    }
}
