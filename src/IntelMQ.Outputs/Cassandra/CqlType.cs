namespace IntelMQ.Outputs.Cassandra;

/// <summary>The column type ids of the CQL protocol v4 (section 4.2.5.2), and their CQL names.</summary>
public static class CqlType
{
    public const ushort Custom = 0x0000, Ascii = 0x0001, Bigint = 0x0002, Blob = 0x0003, Boolean = 0x0004, Counter = 0x0005,
        Decimal = 0x0006, Double = 0x0007, Float = 0x0008, Int = 0x0009, Timestamp = 0x000B, Uuid = 0x000C, Varchar = 0x000D,
        Varint = 0x000E, Timeuuid = 0x000F, Inet = 0x0010, Date = 0x0011, Time = 0x0012, Smallint = 0x0013, Tinyint = 0x0014,
        List = 0x0020, Map = 0x0021, Set = 0x0022, Udt = 0x0030, Tuple = 0x0031;

    public static string Name(ushort type) => type switch
    {
        Custom => "custom",
        Ascii => "ascii",
        Bigint => "bigint",
        Blob => "blob",
        Boolean => "boolean",
        Counter => "counter",
        Decimal => "decimal",
        Double => "double",
        Float => "float",
        Int => "int",
        Timestamp => "timestamp",
        Uuid => "uuid",
        Varchar => "text",
        Varint => "varint",
        Timeuuid => "timeuuid",
        Inet => "inet",
        Date => "date",
        Time => "time",
        Smallint => "smallint",
        Tinyint => "tinyint",
        List => "list",
        Map => "map",
        Set => "set",
        Udt => "user-defined type",
        Tuple => "tuple",
        _ => $"type 0x{type:X4}",
    };
}
