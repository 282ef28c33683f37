using System.Text;
using IntelMQ.Contract;
using IntelMQ.Experts.Common;
using IntelMQ.Experts.TrustedIntroducer;

namespace IntelMQ.Experts.NationalCert;

/// <summary>Builds the national CERT table from Trusted Introducer's team directory (its National teams) and swaps it in.</summary>
public sealed class NationalCertTableUpdater(NationalCertExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("national-cert-expert", options.DatabaseUrl, NationalCertExpert.DatabasePath(options, context), file =>
        {
            var table = BuildTable(TeamDirectory.Read(file), options.DatabaseUrl, out var countries);
            if (countries == 0) throw new InvalidDataException("it lists no team of constituency type National");
            // Trusted Introducer's directory is turned into the expert's table where it was downloaded (ReferenceFile's verify may).
            File.WriteAllText(file, table, new UTF8Encoding(false));
            NationalCertTable.Parse(File.ReadLines(file), file);
            return $"table of {countries} national CERTs";
        }, cancellationToken);

    /// <summary>The table's text: one line per country, the first National team listing it; TLDs to the first team listing them.</summary>
    internal static string BuildTable(IEnumerable<TeamDirectory.Team> teams, string source, out int countries)
    {
        var text = new StringBuilder($"# Built by national-cert-expert --self-update-db from {source} (teams of constituency type National).\n");
        var seenCountries = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var seenTlds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var team in teams)
        {
            if (!team.Types.Contains("National", StringComparer.OrdinalIgnoreCase)) continue;
            var codes = (team.Countries.Count > 0 ? team.Countries : team.Country is { } own ? [own] : [])
                .Where(c => c.Length == 2 && c.All(char.IsAsciiLetter) && seenCountries.Add(c)).ToList();
            if (codes.Count == 0) continue;
            // A TLD is listed once in the table: on the team's first country.
            var tlds = team.Domains.Select(d => d.Trim().TrimEnd('.').TrimStart('*').TrimStart('.'))
                .Where(d => d.Length > 0 && !d.Contains('.') && !d.Contains('*') && seenTlds.Add(d)).ToList();
            for (var i = 0; i < codes.Count; i++)
                text.Append(codes[i].ToUpperInvariant()).Append('\t').AppendJoin(' ', i == 0 ? tlds : []).Append('\t').Append(Cell(team.Name)).Append('\t')
                    .Append(Cell(team.Contact ?? "")).Append("\t\n");
        }
        countries = seenCountries.Count;
        return text.ToString();
    }

    // A tab or line break inside a directory value would break the table's lines.
    static string Cell(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ').Trim();
}
