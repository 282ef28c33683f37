using System.Net;
using System.Net.Sockets;

namespace IntelMQ.Experts.Common;

/// <summary>
/// Reads an IP address from its text into a number, for lookups that run per event: a dotted quad as events hold it
/// is read in place; anything else (IPv6, IPv4's other forms) goes through <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>,
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
        (value, v4) = (0, false);
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
}
