using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IntelMQ.Contract;

namespace IntelMQ.Experts.AsnLookup;

/// <summary>
/// Routed prefixes and their origin AS, read from pyasn's ipasn text format (<c>prefix TAB asn</c>, ';' comments).
/// A lookup finds the longest matching prefix with one hash probe per prefix length in use (at most 33 for IPv4, 129 for IPv6).
/// </summary>
public sealed class PrefixTable
{
    readonly Dictionary<(UInt128 Network, int Length), long> _prefixes = [];
    readonly int[] _lengths4, _lengths6;

    PrefixTable(Dictionary<(UInt128, int), long> prefixes, int[] lengths4, int[] lengths6) =>
        (_prefixes, _lengths4, _lengths6) = (prefixes, lengths4, lengths6);

    public int Count => _prefixes.Count;

    /// <exception cref="ConfigurationException">A line is not a prefix and an AS number; the message names the file and line.</exception>
    public static PrefixTable Parse(IEnumerable<string> lines, string source)
    {
        var prefixes = new Dictionary<(UInt128, int), long>();
        SortedSet<int> lengths4 = [], lengths6 = [];
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
            var v4 = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
            (v4 ? lengths4 : lengths6).Add(network.PrefixLength);
            prefixes[(Key(network.BaseAddress, network.PrefixLength, v4), network.PrefixLength + (v4 ? 0 : 1000))] = asn;
        }
        if (prefixes.Count == 0) throw new ConfigurationException($"asn-lookup-expert: {source}: no prefixes; is this a pyasn ipasn file?");
        return new PrefixTable(prefixes, [.. lengths4.Reverse()], [.. lengths6.Reverse()]);
    }

    /// <returns>The AS number and the longest routed prefix holding the address, or null when none does.</returns>
    public (long Asn, string Network)? Lookup(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        foreach (var length in v4 ? _lengths4 : _lengths6)
        {
            var key = Key(address, length, v4);
            if (_prefixes.TryGetValue((key, length + (v4 ? 0 : 1000)), out var asn))
                return (asn, $"{ToAddress(key, v4)}/{length.ToString(CultureInfo.InvariantCulture)}");
        }
        return null;
    }

    static UInt128 Key(IPAddress address, int length, bool v4)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        for (var i = 0; i < written; i++) value = (value << 8) | bytes[i];
        var bits = v4 ? 32 : 128;
        return length == 0 ? 0 : value & (UInt128.MaxValue << (bits - length)) & (v4 ? 0xFFFF_FFFF : UInt128.MaxValue);
    }

    static IPAddress ToAddress(UInt128 value, bool v4)
    {
        var length = v4 ? 4 : 16;
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--, value >>= 8) bytes[i] = (byte)value;
        return new IPAddress(bytes);
    }
}
