using System.Text;
using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.NationalCert;

/// <summary>The national CERT of each country and the TLDs each is responsible for, read from the tab-separated table.</summary>
sealed class NationalCertTable
{
    public const string EmbeddedName = "national-certs.tsv";
    const string Program = "national-cert-expert";

    public sealed record Team(string Country, string Name, string Email, string Url);

    // ccTLDs that are not their country's code (uk is GB); every other two-letter TLD is.
    static readonly Dictionary<string, string> CountryOfTld = EmbeddedTable.Read("cctld-countries.tsv").ToDictionary(r => r[0], r => r[1], StringComparer.OrdinalIgnoreCase);

    readonly Dictionary<string, Team> _byCountry = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, Team> _byTld = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _byCountry.Count;

    /// <exception cref="ConfigurationException">A line is not country, TLDs, team, e-mail, web site, or names a country or TLD twice; the message has the line.</exception>
    public static NationalCertTable Parse(IEnumerable<string> lines, string source)
    {
        var table = new NationalCertTable();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (line.Trim().Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            string Where() => $"{Program}: {source}, line {number}";
            if (cells.Length != 5 || cells[2].Trim().Length == 0)
                throw new ConfigurationException($"{Where()}: expected 5 tab-separated cells (country, TLDs, team, e-mail, web site), found {cells.Length}.");
            var country = cells[0].Trim().ToUpperInvariant();
            if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
                throw new ConfigurationException($"{Where()}: '{cells[0]}' is not an ISO 3166-1 alpha-2 country code.");
            var team = new Team(country, cells[2].Trim(), cells[3].Trim(), cells[4].Trim());
            if (!table._byCountry.TryAdd(country, team))
                throw new ConfigurationException($"{Where()}: {country} is listed twice ('{table._byCountry[country].Name}' and '{team.Name}').");
            foreach (var tld in cells[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (!table._byTld.TryAdd(tld.Trim('.'), team))
                    throw new ConfigurationException($"{Where()}: TLD {tld} is listed for both '{table._byTld[tld.Trim('.')].Name}' and '{team.Name}'.");
        }
        return table;
    }

    public static NationalCertTable ReadEmbedded()
    {
        using var stream = typeof(NationalCertTable).Assembly.GetManifestResourceStream("IntelMQ.Experts." + EmbeddedName)
                           ?? throw new InvalidOperationException($"the embedded data file {EmbeddedName} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd().Split('\n'), $"the built-in {EmbeddedName}");
    }

    /// <summary>The team responsible for a domain's TLD: one listed for it, else the national CERT of the ccTLD's country.</summary>
    public Team? ForDomain(string domain)
    {
        var name = domain.TrimEnd('.');
        var tld = name[(name.LastIndexOf('.') + 1)..];
        if (_byTld.TryGetValue(tld, out var listed)) return listed;
        return tld.Length == 2 ? ForCountry(CountryOfTld.GetValueOrDefault(tld, tld)) : null;
    }

    public Team? ForCountry(string country) => _byCountry.GetValueOrDefault(country);
}
