using System.Net;
using System.Net.Sockets;

namespace IntelMQ.Experts.Common;

/// <summary>
/// Reads an IP address from its text into a number, for lookups that run per event: the forms events hold (dotted
/// quads, IPv6 in its usual notation) are read in place; anything else goes through <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>,
/// so what is accepted, and how, is exactly what IPAddress accepts.
/// </summary>
static class IPAddressText
{
    /// <summary>Reads an address.</summary>
    /// <param name="value">The address's bits, an IPv4 address in the low 32.</param>
    /// <param name="v4">Whether it is an IPv4 address (an IPv4-mapped IPv6 address is not).</param>
    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 value, out bool v4)
    {
        if (TryParseDottedQuad(text, out var quad))
        {
            (value, v4) = (quad, true);
            return true;
        }
        v4 = false;
        if (TryParseIPv6(text, out value)) return true;
        if (!IPAddress.TryParse(text, out var address)) return false;
        value = Bits(address);
        v4 = address.AddressFamily == AddressFamily.InterNetwork;
        return true;
    }

    /// <summary>The address of the bits <see cref="TryParse"/> read.</summary>
    public static IPAddress ToAddress(UInt128 value, bool v4)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 15; i >= 0; i--, value >>= 8) bytes[i] = (byte)value;
        return new IPAddress(v4 ? bytes[12..] : bytes);
    }

    /// <summary>An address's bits, an IPv4 address in the low 32.</summary>
    public static UInt128 Bits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        for (var i = 0; i < written; i++) value = (value << 8) | bytes[i];
        return value;
    }

    /// <summary>Reads four decimal parts 0-255 without leading zeros: the canonical form, which events hold (the shorthand forms IPAddress also takes, "127.1", "0x7f.0.0.1", are not).</summary>
    public static bool TryParseDottedQuad(ReadOnlySpan<char> s, out uint address)
    {
        address = 0;
        var parts = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var n = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]) && i - start < 3) n = n * 10 + (s[i++] - '0');
            if (i == start || n > 255 || (i - start > 1 && s[start] == '0')) return false;
            address = (address << 8) | (uint)n;
            if (++parts == 4) return i == s.Length;
            if (i == s.Length || s[i++] != '.') return false;
        }
    }

    // Up to eight groups of one to four hex digits, at most one "::", optionally ending in a dotted quad; no zone (%).
    static bool TryParseIPv6(ReadOnlySpan<char> s, out UInt128 value)
    {
        value = 0;
        Span<ushort> groups = stackalloc ushort[8];
        int count = 0, gap = -1, i = 0;
        if (s.Length < 2) return false;
        if (s[0] == ':')
        {
            if (s[1] != ':') return false;
            gap = 0;
            i = 2;
            if (i == s.Length) return true;
        }
        while (true)
        {
            var start = i;
            var group = 0;
            while (i < s.Length && i - start < 4 && char.IsAsciiHexDigit(s[i])) group = group * 16 + HexValue(s[i++]);
            if (i < s.Length && s[i] == '.')
            {
                // The last 32 bits written as a dotted quad.
                if (count > 6 || !TryParseDottedQuad(s[start..], out var quad)) return false;
                groups[count++] = (ushort)(quad >> 16);
                groups[count++] = (ushort)quad;
                break;
            }
            if (i == start || count == 8) return false;
            groups[count++] = (ushort)group;
            if (i == s.Length) break;
            if (s[i++] != ':') return false;
            if (i < s.Length && s[i] == ':')
            {
                if (gap >= 0) return false;
                gap = count;
                if (++i == s.Length) break;
            }
            else if (i == s.Length) return false;
        }
        if (gap < 0 ? count != 8 : count > 7) return false;
        var zeros = 8 - count;
        for (var g = 0; g < count; g++)
            value = (value << 16) | groups[g];
        if (gap >= 0)
        {
            // Shift the groups after the gap into place: the ones before it move up by the zero groups.
            var after = count - gap;
            var low = after == 0 ? UInt128.Zero : value & ((UInt128.One << (16 * after)) - 1);
            var high = value >> (16 * after);
            value = (high << (16 * (after + zeros))) | low;
        }
        return true;
    }

    static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
