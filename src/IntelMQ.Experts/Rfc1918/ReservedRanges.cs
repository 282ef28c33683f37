using System.Globalization;
using System.Net;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Rfc1918;

/// <summary>Networks, domains and AS numbers reserved from public use (Data/reserved.tsv).</summary>
public static class ReservedRanges
{
    static readonly IPNetwork[] Networks;
    static readonly HashSet<string> Domains = new(StringComparer.OrdinalIgnoreCase);
    static readonly (long First, long Last)[] Asns;

    static ReservedRanges()
    {
        List<IPNetwork> networks = [];
        List<(long, long)> asns = [];
        foreach (var row in EmbeddedTable.Read("reserved.tsv"))
        {
            switch (row[0])
            {
                case "network": networks.Add(IPNetwork.Parse(row[1])); break;
                case "domain": Domains.Add(row[1]); break;
                case "asn":
                    var bounds = row[1].Split('-');
                    asns.Add((long.Parse(bounds[0], CultureInfo.InvariantCulture), long.Parse(bounds[1], CultureInfo.InvariantCulture)));
                    break;
            }
        }
        Networks = [.. networks];
        Asns = [.. asns];
    }

    public static bool IsReserved(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in Networks)
            if (network.Contains(address)) return true;
        return false;
    }

    /// <summary>True for a reserved name and any name under it (sub.example.com, host.invalid).</summary>
    public static bool IsReserved(string domain)
    {
        var name = domain.TrimEnd('.');
        while (true)
        {
            if (Domains.Contains(name)) return true;
            var dot = name.IndexOf('.');
            if (dot < 0) return false;
            name = name[(dot + 1)..];
        }
    }

    public static bool IsReserved(long asn)
    {
        foreach (var (first, last) in Asns)
            if (asn >= first && asn <= last) return true;
        return false;
    }
}
