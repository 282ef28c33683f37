using System.Globalization;
using System.Text;

namespace IntelMQ.Core;

/// <summary>
/// Writes a float as Python's <c>repr</c> (and so <c>json.dumps</c>) does: the shortest digits that read back as the
/// same value, always with a point or an exponent (<c>100.0</c>, <c>0.5</c>, <c>1e-05</c>, <c>1e+16</c>), so float
/// fields are byte-identical to IntelMQ's.
/// </summary>
public static class PythonFloat
{
    /// <summary>Room for any finite double: 17 digits, a sign, a point and a four-character exponent, or 16 zeros.</summary>
    public const int MaxLength = 32;

    public static string Format(double value)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        return Encoding.ASCII.GetString(text[..Format(value, text)]);
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="utf8"/> (at least <see cref="MaxLength"/> bytes); returns the length.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite, which JSON cannot hold.</exception>
    public static int Format(double value, Span<byte> utf8)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or infinity");
        var n = 0;
        if (double.IsNegative(value)) utf8[n++] = (byte)'-';
        if (value == 0)
        {
            "0.0"u8.CopyTo(utf8[n..]);
            return n + 3;
        }
        // .NET's "R" gives the same shortest round-trip digits; only where the point goes and how the exponent is written differ.
        Span<byte> shortest = stackalloc byte[MaxLength];
        Math.Abs(value).TryFormat(shortest, out var length, "R", CultureInfo.InvariantCulture);
        shortest = shortest[..length];
        Span<byte> digits = stackalloc byte[20];
        int count = 0, point = -1, exponent = 0;
        for (var i = 0; i < shortest.Length; i++)
        {
            var c = shortest[i];
            if (c == '.') point = count;
            else if (c == 'E')
            {
                exponent = int.Parse(shortest[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else digits[count++] = c;
        }
        // The value is 0.DIGITS × 10^decimalPoint once leading and trailing zeros are dropped.
        var decimalPoint = (point < 0 ? count : point) + exponent;
        var start = 0;
        while (digits[start] == '0') { start++; decimalPoint--; }
        while (digits[count - 1] == '0') count--;
        digits = digits[start..count];
        if (decimalPoint is > -4 and <= 16)
        {
            if (decimalPoint <= 0)
            {
                "0."u8.CopyTo(utf8[n..]);
                n += 2;
                for (var i = decimalPoint; i < 0; i++) utf8[n++] = (byte)'0';
                digits.CopyTo(utf8[n..]);
                return n + digits.Length;
            }
            if (decimalPoint >= digits.Length)
            {
                digits.CopyTo(utf8[n..]);
                n += digits.Length;
                for (var i = digits.Length; i < decimalPoint; i++) utf8[n++] = (byte)'0';
                ".0"u8.CopyTo(utf8[n..]);
                return n + 2;
            }
            digits[..decimalPoint].CopyTo(utf8[n..]);
            n += decimalPoint;
            utf8[n++] = (byte)'.';
            digits[decimalPoint..].CopyTo(utf8[n..]);
            return n + digits.Length - decimalPoint;
        }
        utf8[n++] = digits[0];
        if (digits.Length > 1)
        {
            utf8[n++] = (byte)'.';
            digits[1..].CopyTo(utf8[n..]);
            n += digits.Length - 1;
        }
        var e = decimalPoint - 1;
        utf8[n++] = (byte)'e';
        utf8[n++] = e < 0 ? (byte)'-' : (byte)'+';
        e = Math.Abs(e);
        if (e >= 100) utf8[n++] = (byte)('0' + e / 100);
        utf8[n++] = (byte)('0' + e / 10 % 10);
        utf8[n++] = (byte)('0' + e % 10);
        return n;
    }
}
