using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Constituency;

/// <summary>Finds the constituency an event's network, AS or domain belongs to, from a local file.</summary>
[Program("constituency-expert", ProgramKind.Expert, "Sets the constituency and its contacts from a local file mapping networks, AS numbers and domains to constituencies.",
    Options = typeof(ConstituencyExpertOptions),
    Description = """
        Reads the database file once at start: CSV lines of `kind,value,contacts,name`, kind being network (CIDR),
        asn or domain, contacts separated by spaces, the name the rest of the line ('#' starts a comment). For source, then destination, the address
        is matched by longest prefix (one hash probe per prefix length in use), else the AS number, else the
        domain (fqdn) by its longest listed suffix (www.uni.example matches uni.example). The first side that
        matches sets the field option (extra.constituency) to the name and that side's abuse_contact to the
        contacts, comma-separated; fields the event has are kept unless overwrite=true. An event that matches
        nothing passes unchanged. A line that does not parse, or lists a network, AS or domain twice, is refused
        at start with the file, the line and the cause.
        """,
    FieldsRead = ["source.ip", "source.as.number", "source.domain", "destination.ip", "destination.as.number", "destination.domain"],
    FieldsWritten = ["custom.constituency", "source.abuse_contact", "destination.abuse_contact"],
    Examples = ["intelmq run constituency-expert --set database=/etc/intelmq/constituencies.csv < events.jsonl"])]
public sealed class ConstituencyExpert : IExpert
{
    const string Program = "constituency-expert";
    static readonly string[] Sides = ["source", "destination"];

    readonly PrefixMap<Entry> _networks = new();
    readonly Dictionary<long, Entry> _asns = [];
    readonly Dictionary<string, Entry> _domains = new(StringComparer.OrdinalIgnoreCase);
    readonly string _field;
    readonly bool _overwrite;

    public ConstituencyExpert(ConstituencyExpertOptions options)
    {
        _field = IntelMQFields.Require(Program, "field", options.Field);
        _overwrite = options.Overwrite;
        if (options.Database.Length == 0) throw new ConfigurationException($"{Program}: option 'database' is empty: give the constituency file.");
        Load(options.Database);
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (Find(ev, side) is { } entry)
            {
                ev.TryAdd(_field, entry.Name, _overwrite);
                if (entry.Contacts.Length > 0) ev.TryAdd(side + ".abuse_contact", entry.Contacts, _overwrite);
                break;
            }
        output.Emit(ev);
    }

    Entry? Find(Event ev, string side)
    {
        if (ev[side + ".ip"] is string ip && IPAddress.TryParse(ip, out var address) && _networks.Lookup(address) is var (byNetwork, _))
            return byNetwork;
        if (ev[side + ".as.number"] is { } asn && long.TryParse(asn.ToString(), out var number) && _asns.TryGetValue(number, out var byAsn))
            return byAsn;
        if (ev[side + ".domain"] is string domain)
            for (var name = domain.TrimEnd('.'); name.Length > 0; name = name.IndexOf('.') is var dot and >= 0 ? name[(dot + 1)..] : "")
                if (_domains.TryGetValue(name, out var byDomain)) return byDomain;
        return null;
    }

    /// <summary>Reads lines of <c>kind,value,contacts,name</c>: kind network, asn or domain; contacts separated by spaces; the name is the rest of the line.</summary>
    void Load(string path)
    {
        var number = 0;
        foreach (var raw in TextFile.ReadLines(Program, "database", path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(',', 4, StringSplitOptions.TrimEntries);
            if (parts.Length != 4 || parts[3].Length == 0)
                throw new ConfigurationException($"{Program}: {path}, line {number}: '{line}' is not 'kind,value,contacts,name' (kind: network, asn or domain).");
            var entry = new Entry(parts[3], string.Join(',', parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            var value = parts[1];
            var duplicate = parts[0].ToLowerInvariant() switch
            {
                "network" => AddNetwork(value, entry, path, number),
                "asn" => long.TryParse(value.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? value[2..] : value, out var asn) && asn > 0
                    ? !_asns.TryAdd(asn, entry) ? _asns[asn].Name : null
                    : throw new ConfigurationException($"{Program}: {path}, line {number}: '{value}' is not an AS number."),
                "domain" => !_domains.TryAdd(value.TrimEnd('.'), entry) ? _domains[value.TrimEnd('.')].Name : null,
                _ => throw new ConfigurationException($"{Program}: {path}, line {number}: kind '{parts[0]}' is not network, asn or domain."),
            };
            if (duplicate is not null)
                throw new ConfigurationException($"{Program}: {path}, line {number}: {parts[0]} {value} is listed for both '{duplicate}' and '{entry.Name}'.");
        }
    }

    /// <returns>The constituency that already has this network, or null.</returns>
    string? AddNetwork(string text, Entry entry, string path, int number)
    {
        if (!IPNetwork.TryParse(text, out var network))
            throw new ConfigurationException($"{Program}: {path}, line {number}: '{text}' is not a network in CIDR notation (192.0.2.0/24).");
        if (_networks.Lookup(network.BaseAddress) is var (other, found) && found == network.ToString()) return other.Name;
        _networks.Set(network, entry);
        return null;
    }

    sealed record Entry(string Name, string Contacts);
}
