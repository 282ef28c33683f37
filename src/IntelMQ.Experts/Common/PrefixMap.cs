using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IntelMQ.Experts.Common;

/// <summary>
/// Values keyed by IP prefix, looked up by longest match: one hash probe per prefix length in use (at most 33 for
/// IPv4, 129 for IPv6), whatever the number of prefixes. Filled once, then read.
/// </summary>
sealed class PrefixMap<T>
{
    readonly Dictionary<(UInt128 Network, int Length), T> _prefixes = [];
    readonly SortedSet<int> _lengths4 = [], _lengths6 = [];
    int[]? _longestFirst4, _longestFirst6;

    public int Count => _prefixes.Count;

    /// <summary>Sets a prefix's value; a later value for the same prefix replaces an earlier one.</summary>
    public void Set(IPNetwork network, T value)
    {
        var v4 = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
        (v4 ? _lengths4 : _lengths6).Add(network.PrefixLength);
        _prefixes[(Key(network.BaseAddress, network.PrefixLength, v4), network.PrefixLength + (v4 ? 0 : 1000))] = value;
        _longestFirst4 = _longestFirst6 = null;
    }

    /// <returns>The value of the longest prefix holding the address and that prefix as text, or null when none does.</returns>
    public (T Value, string Network)? Lookup(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var lengths = v4 ? _longestFirst4 ??= [.. _lengths4.Reverse()] : _longestFirst6 ??= [.. _lengths6.Reverse()];
        foreach (var length in lengths)
        {
            var key = Key(address, length, v4);
            if (_prefixes.TryGetValue((key, length + (v4 ? 0 : 1000)), out var value))
                return (value, Text(key, length, v4));
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

    // IPv4 is formatted in place (the common case, once per event); IPv6 through IPAddress for its compressed form.
    static string Text(UInt128 value, int length, bool v4)
    {
        if (v4)
        {
            var a = (uint)value;
            return string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}/{length}");
        }
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 15; i >= 0; i--, value >>= 8) bytes[i] = (byte)value;
        return string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/{length}");
    }
}
