using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;
using YamlException = YamlDotNet.Core.YamlException;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace IntelMQ.Experts.Constituency;

/// <summary>Finds the constituency an event's network, AS or domain belongs to, from a local file.</summary>
[Program("constituency-expert", ProgramKind.Expert, "Sets the constituency and its contacts from a local file mapping networks, AS numbers and domains to constituencies.",
    Options = typeof(ConstituencyExpertOptions),
    Description = """
        Reads the database file once at start: a YAML list of constituencies, each `name`, `contacts` (a list of
        addresses) and any of `networks` (CIDR), `asns` and `domains`. For source, then destination, the address
        is matched by longest prefix (one hash probe per prefix length in use), else the AS number, else the
        domain (fqdn) by its longest listed suffix (www.uni.example matches uni.example). The first side that
        matches sets the field option (extra.constituency) to the name and that side's abuse_contact to the
        contacts, comma-separated; fields the event has are kept unless overwrite=true. An event that matches
        nothing passes unchanged. A file that does not parse, or lists a network, AS or domain twice, is refused
        at start with the file and the cause.
        """,
    FieldsRead = ["source.ip", "source.as.number", "source.domain", "destination.ip", "destination.as.number", "destination.domain"],
    FieldsWritten = ["custom.constituency", "source.abuse_contact", "destination.abuse_contact"],
    Examples = ["intelmq run constituency-expert --set database=/etc/intelmq/constituencies.yaml < events.jsonl"])]
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

    void Load(string path)
    {
        List<Definition> definitions;
        try
        {
            using var reader = new StreamReader(path);
            definitions = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                .Deserialize<List<Definition>?>(reader) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{Program}: cannot read {path}: {ex.Message}");
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"{Program}: {path}, line {ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}");
        }
        foreach (var definition in definitions)
        {
            if (string.IsNullOrWhiteSpace(definition.Name)) throw new ConfigurationException($"{Program}: {path}: a constituency has no name.");
            var entry = new Entry(definition.Name, string.Join(',', definition.Contacts));
            foreach (var text in definition.Networks)
            {
                if (!IPNetwork.TryParse(text, out var network))
                    throw new ConfigurationException($"{Program}: {path}: constituency '{definition.Name}': '{text}' is not a network in CIDR notation (192.0.2.0/24).");
                if (_networks.Lookup(network.BaseAddress) is var (other, found) && found == network.ToString())
                    throw new ConfigurationException($"{Program}: {path}: network {text} is listed for both '{other.Name}' and '{definition.Name}'.");
                _networks.Set(network, entry);
            }
            foreach (var asn in definition.Asns)
                if (!_asns.TryAdd(asn, entry)) throw new ConfigurationException($"{Program}: {path}: AS {asn} is listed for both '{_asns[asn].Name}' and '{definition.Name}'.");
            foreach (var domain in definition.Domains)
                if (!_domains.TryAdd(domain.TrimEnd('.'), entry)) throw new ConfigurationException($"{Program}: {path}: domain {domain} is listed for both '{_domains[domain.TrimEnd('.')].Name}' and '{definition.Name}'.");
        }
    }

    sealed record Entry(string Name, string Contacts);

    /// <summary>One constituency as the file gives it.</summary>
    sealed class Definition
    {
        public string Name { get; set; } = "";
        public List<string> Contacts { get; set; } = [];
        public List<string> Networks { get; set; } = [];
        public List<long> Asns { get; set; } = [];
        public List<string> Domains { get; set; } = [];
    }
}
