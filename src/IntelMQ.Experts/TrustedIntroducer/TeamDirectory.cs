using System.Text.Json;

namespace IntelMQ.Experts.TrustedIntroducer;

/// <summary>
/// Trusted Introducer's team directory (https://www.trusted-introducer.org/directory/teams.json): a JSON array of teams,
/// each with official_name, short_name, country {code}, constituency {types, asns, domains, countries [{code}]}
/// and emails [{address, usage}]. Only what the lookups need is read.
/// </summary>
static class TeamDirectory
{
    public const string DefaultUrl = "https://www.trusted-introducer.org/directory/teams.json";

    /// <param name="Contact">The first e-mail address whose usage includes "contact"; null when the team lists none.</param>
    public sealed record Team(string Name, string ShortName, string? Country, IReadOnlyList<string> Types, IReadOnlyList<long> Asns,
                              IReadOnlyList<string> Domains, IReadOnlyList<string> Countries, string? Contact);

    /// <exception cref="InvalidDataException">The file is not such a directory; the message says where.</exception>
    public static List<Team> Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var document = JsonDocument.Parse(file, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException("it is not a JSON array of teams");
            var teams = new List<Team>();
            var index = 0;
            foreach (var team in document.RootElement.EnumerateArray())
            {
                if (team.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"team {index} is not an object");
                teams.Add(ReadTeam(team, index++));
            }
            return teams;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"it is not JSON: line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {ex.Message}", ex);
        }
    }

    static Team ReadTeam(JsonElement team, int index)
    {
        var name = Text(team, "official_name") ?? Text(team, "short_name") ?? $"team {index}";
        var constituency = team.TryGetProperty("constituency", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var asns = new List<long>();
        foreach (var asn in Items(constituency, "asns"))
            asns.Add(asn.ValueKind == JsonValueKind.Number && asn.TryGetInt64(out var n) ? n
                : long.TryParse(asn.ToString().Replace("AS", "", StringComparison.OrdinalIgnoreCase), out n) ? n
                : throw new InvalidDataException($"team {index} ({name}): '{asn}' in constituency.asns is not an AS number"));
        string? contact = null;
        foreach (var email in Items(team, "emails"))
            if (contact is null && Text(email, "address") is { Length: > 0 } address && Items(email, "usage").Any(u => u.ValueKind == JsonValueKind.String && u.GetString() == "contact"))
                contact = address;
        return new Team(name, Text(team, "short_name") ?? name,
            team.TryGetProperty("country", out var country) ? Text(country, "code") : null,
            [.. Items(constituency, "types").Select(t => t.ToString())], asns,
            [.. Items(constituency, "domains").Select(d => d.ToString())],
            [.. Items(constituency, "countries").Select(k => Text(k, "code")).OfType<string>()], contact);
    }

    static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
