using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>An event's values as CQL [value]s of a column's type (section 6 of the protocol).</summary>
public static class CqlValue
{
    /// <summary>Whether a column of this type takes values: text, numbers, booleans, times, addresses, ids and bytes.</summary>
    public static bool IsWritable(ushort type) => type is CqlType.Ascii or CqlType.Varchar or CqlType.Blob or CqlType.Bigint or CqlType.Int
        or CqlType.Smallint or CqlType.Tinyint or CqlType.Boolean or CqlType.Double or CqlType.Float or CqlType.Timestamp or CqlType.Date
        or CqlType.Inet or CqlType.Uuid or CqlType.Timeuuid;

    /// <summary>Writes <paramref name="value"/> as a [value] of <paramref name="type"/>.</summary>
    /// <returns>Null when written; otherwise why the value does not fit the type, and nothing is written.</returns>
    public static string? Write(CqlWriter writer, ushort type, object value)
    {
        switch (type)
        {
            case CqlType.Varchar or CqlType.Blob:
                return Utf8(writer, IntelMQFields.Text(value));
            case CqlType.Ascii:
                var text = IntelMQFields.Text(value);
                return Ascii.IsValid(text) ? Utf8(writer, text) : "is not ASCII";
            case CqlType.Bigint:
                if (!Whole(value, long.MinValue, long.MaxValue, out var big)) return "is not a whole number";
                writer.Int(8).Long(big);
                return null;
            case CqlType.Int:
                if (!Whole(value, int.MinValue, int.MaxValue, out var n)) return "is not a whole number of 32 bits";
                writer.Int(4).Int((int)n);
                return null;
            case CqlType.Smallint:
                if (!Whole(value, short.MinValue, short.MaxValue, out var small)) return "is not a whole number of 16 bits";
                writer.Int(2).Short((ushort)(short)small);
                return null;
            case CqlType.Tinyint:
                if (!Whole(value, sbyte.MinValue, sbyte.MaxValue, out var tiny)) return "is not a whole number of 8 bits";
                writer.Int(1).Byte((byte)(sbyte)tiny);
                return null;
            case CqlType.Boolean:
                if (value is not bool b && !bool.TryParse(value as string, out b)) return "is not true or false";
                writer.Int(1).Byte(b ? (byte)1 : (byte)0);
                return null;
            case CqlType.Double:
                if (!Real(value, out var d)) return "is not a number";
                writer.Int(8).Long(BitConverter.DoubleToInt64Bits(d));
                return null;
            case CqlType.Float:
                if (!Real(value, out var f)) return "is not a number";
                writer.Int(4).Int(BitConverter.SingleToInt32Bits((float)f));
                return null;
            case CqlType.Timestamp:
                if (!Time(value, out var time)) return "is not a date and time";
                writer.Int(8).Long(time.ToUnixTimeMilliseconds());
                return null;
            case CqlType.Date:
                if (!Time(value, out var day)) return "is not a date";
                // Days since 1970-01-01, counted from 2^31 so that earlier days stay unsigned.
                writer.Int(4).Int((int)(uint)((1L << 31) + (long)Math.Floor((day.UtcDateTime - DateTime.UnixEpoch).TotalDays)));
                return null;
            case CqlType.Inet:
                if (value is not string ip || !IPAddress.TryParse(ip, out var address) || ip.Contains('/')) return "is not an IP address";
                var bytes = address.GetAddressBytes();
                writer.Bytes(bytes);
                return null;
            case CqlType.Uuid or CqlType.Timeuuid:
                if (value is not string id || !Guid.TryParse(id, out var guid)) return "is not a UUID";
                guid.TryWriteBytes(writer.Int(16).Reserve(16), bigEndian: true, out _);
                return null;
            default:
                return $"cannot be written to a {CqlType.Name(type)} column";
        }
    }

    static string? Utf8(CqlWriter writer, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, writer.Int(length).Reserve(length));
        return null;
    }

    static bool Whole(object value, long min, long max, out long result)
    {
        switch (value)
        {
            case long l:
                result = l;
                break;
            case double d when Math.Floor(d) == d && d >= long.MinValue && d < long.MaxValue:
                result = (long)d;
                break;
            case string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                result = parsed;
                break;
            default:
                result = 0;
                return false;
        }
        return result >= min && result <= max;
    }

    static bool Real(object value, out double result)
    {
        switch (value)
        {
            case long l:
                result = l;
                return true;
            case double d:
                result = d;
                return true;
            case string s:
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out result);
            default:
                result = 0;
                return false;
        }
    }

    static bool Time(object value, out DateTimeOffset result)
    {
        result = default;
        return value is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out result);
    }
}
