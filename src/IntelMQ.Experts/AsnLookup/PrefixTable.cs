using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.AsnLookup;

/// <summary>
/// Routed prefixes and their origin AS, read from pyasn's ipasn text format (<c>prefix TAB asn</c>, ';' comments).
/// A lookup finds the longest matching prefix with one hash probe per prefix length in use (at most 33 for IPv4, 129 for IPv6).
/// </summary>
public sealed class PrefixTable
{
    // AS numbers are held boxed, one box per AS: events are given the same box rather than a new one each.
    readonly PrefixMap<object> _prefixes;

    PrefixTable(PrefixMap<object> prefixes) => _prefixes = prefixes;

    public int Count => _prefixes.Count;

    /// <exception cref="ConfigurationException">A line is not a prefix and an AS number; the message names the file and line.</exception>
    public static PrefixTable Parse(IEnumerable<string> lines, string source)
    {
        var prefixes = new PrefixMap<object>();
        var boxes = new Dictionary<long, object>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == ';') continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !IPNetwork.TryParse(parts[0], out var network)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var asn) || asn is < 1 or > 4294967295)
                throw new ConfigurationException($"asn-lookup-expert: {source}, line {number}: '{line}' is not 'prefix<TAB>AS number'.");
            if (!boxes.TryGetValue(asn, out var box)) boxes[asn] = box = asn;
            prefixes.Set(network, box);
        }
        if (prefixes.Count == 0) throw new ConfigurationException($"asn-lookup-expert: {source}: no prefixes; is this a pyasn ipasn file?");
        return new PrefixTable(prefixes);
    }

    /// <summary>Finds the longest routed prefix holding an address given as text; false when none does or it is not an address.</summary>
    /// <param name="asn">The prefix's AS number, a boxed <see cref="long"/>.</param>
    /// <param name="network">The prefix, as text.</param>
    public bool TryLookup(ReadOnlySpan<char> address, [MaybeNullWhen(false)] out object asn, [MaybeNullWhen(false)] out string network) =>
        _prefixes.TryLookup(address, out asn, out network);
}
