using System.Collections.Frozen;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>The consistency levels a write may ask for, by their CQL names (the protocol's [consistency], section 3).</summary>
public static class CqlConsistency
{
    // SERIAL and LOCAL_SERIAL are left out: they apply only to the serial phase of conditional statements.
    static readonly FrozenDictionary<string, ushort> Levels = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase)
    {
        ["ANY"] = 0x0000, ["ONE"] = 0x0001, ["TWO"] = 0x0002, ["THREE"] = 0x0003, ["QUORUM"] = 0x0004, ["ALL"] = 0x0005,
        ["LOCAL_QUORUM"] = 0x0006, ["EACH_QUORUM"] = 0x0007, ["LOCAL_ONE"] = 0x000A,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> Names => Levels.Keys.Order(StringComparer.Ordinal);

    public static bool TryParse(string name, out ushort level) => Levels.TryGetValue(name, out level);
}
