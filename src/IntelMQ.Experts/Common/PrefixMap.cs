using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IntelMQ.Experts.Common;

/// <summary>
/// Values keyed by IP prefix, looked up by longest match: one hash probe per prefix length in use (at most 33 for
/// IPv4, 129 for IPv6), whatever the number of prefixes. Filled once, then read.
/// </summary>
sealed class PrefixMap<T>
{
    readonly Dictionary<(UInt128 Network, int Length), Entry> _prefixes = [];
    readonly SortedSet<int> _lengths4 = [], _lengths6 = [];
    int[]? _longestFirst4, _longestFirst6;

    public int Count => _prefixes.Count;

    // The prefix's text is made when it is first found, then kept: the same prefixes are found again and again.
    struct Entry(T value)
    {
        public readonly T Value = value;
        public string? Text;
    }

    /// <summary>Sets a prefix's value; a later value for the same prefix replaces an earlier one.</summary>
    public void Set(IPNetwork network, T value) =>
        Set(IPAddressText.Bits(network.BaseAddress), network.PrefixLength, network.BaseAddress.AddressFamily == AddressFamily.InterNetwork, value);

    /// <summary>Sets the value of the prefix of <paramref name="length"/> bits holding an address (bits as <see cref="IPAddressText"/> reads them).</summary>
    public void Set(UInt128 address, int length, bool v4, T value)
    {
        if ((v4 ? _lengths4 : _lengths6).Add(length))
        {
            if (v4) _longestFirst4 = null;
            else _longestFirst6 = null;
        }
        _prefixes[(Mask(address, length, v4), length + (v4 ? 0 : 1000))] = new(value);
    }

    public void Clear()
    {
        _prefixes.Clear();
        _lengths4.Clear();
        _lengths6.Clear();
        _longestFirst4 = _longestFirst6 = null;
    }

    /// <returns>The value of the longest prefix holding the address and that prefix as text, or null when none does.</returns>
    public (T Value, string Network)? Lookup(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        ref var entry = ref Find(IPAddressText.Bits(address), v4, out var network, out var length);
        return Unsafe.IsNullRef(ref entry) ? null : (entry.Value, entry.Text ??= Text(network, length, v4));
    }

    /// <summary>Looks up an address given as text (an IPv4-mapped IPv6 address as its IPv4 address); false when no prefix holds it or it is not an address.</summary>
    /// <param name="network">The longest prefix holding the address, as text.</param>
    public bool TryLookup(ReadOnlySpan<char> address, [MaybeNullWhen(false)] out T value, [MaybeNullWhen(false)] out string network)
    {
        if (IPAddressText.TryParse(address, out var bits, out var v4))
        {
            if (!v4 && bits >> 32 == 0xFFFF) (bits, v4) = (bits & uint.MaxValue, true);
            ref var entry = ref Find(bits, v4, out var prefix, out var length);
            if (!Unsafe.IsNullRef(ref entry))
            {
                value = entry.Value;
                network = entry.Text ??= Text(prefix, length, v4);
                return true;
            }
        }
        (value, network) = (default, null);
        return false;
    }

    /// <summary>Looks up an address's bits as they are (an IPv4-mapped IPv6 address stays IPv6).</summary>
    public bool TryLookup(UInt128 address, bool v4, [MaybeNullWhen(false)] out T value)
    {
        ref var entry = ref Find(address, v4, out _, out _);
        value = Unsafe.IsNullRef(ref entry) ? default : entry.Value;
        return !Unsafe.IsNullRef(ref entry);
    }

    ref Entry Find(UInt128 address, bool v4, out UInt128 network, out int length)
    {
        var lengths = v4 ? _longestFirst4 ??= [.. _lengths4.Reverse()] : _longestFirst6 ??= [.. _lengths6.Reverse()];
        foreach (var candidate in lengths)
        {
            network = Mask(address, candidate, v4);
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_prefixes, (network, candidate + (v4 ? 0 : 1000)));
            if (!Unsafe.IsNullRef(ref entry))
            {
                length = candidate;
                return ref entry;
            }
        }
        (network, length) = (0, 0);
        return ref Unsafe.NullRef<Entry>();
    }

    static UInt128 Mask(UInt128 value, int length, bool v4)
    {
        var bits = v4 ? 32 : 128;
        return length == 0 ? 0 : value & (UInt128.MaxValue << (bits - length)) & (v4 ? 0xFFFF_FFFF : UInt128.MaxValue);
    }

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
