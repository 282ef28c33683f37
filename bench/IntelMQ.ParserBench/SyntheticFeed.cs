using System.Globalization;
using System.Text;

namespace IntelMQ.ParserBench;

/// <summary>
/// Writes a large synthetic report of one of the benchmarked formats, record by record (any size fits), deterministic
/// for a seed: addresses, ports, AS numbers, times and names that each parser's fields accept.
/// </summary>
sealed class SyntheticFeed(string format, int seed = 42)
{
    static readonly string[] Malware = ["emotet", "qakbot", "andromeda", "necurs", "conficker", "mirai"];
    static readonly string[] Countries = ["US", "DE", "NL", "AT", "FR", "GB", "CN", "BR"];

    readonly Random _random = new(seed);

    public static readonly string[] Formats = ["csv", "jsonl", "misp", "blocklist", "stix"];

    /// <summary>Writes <paramref name="records"/> records to <paramref name="path"/>; returns the bytes written.</summary>
    public long Write(string path, long records)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var text = new StreamWriter(file, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        switch (format)
        {
            case "csv":
                text.WriteLine("# generated for the parser benchmark");
                text.WriteLine("time,ip,port,asn,cc,malware,url");
                for (long i = 0; i < records; i++)
                    text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Time(i)},{Ip()},{Port()},AS{Asn()},{Pick(Countries)},{Pick(Malware)},http://{Host(i)}/{i:x}/payload.exe"));
                break;
            case "jsonl":
                for (long i = 0; i < records; i++)
                    text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $$"""{"__type": "Event", "feed.name": "bench", "time.source": "{{Time(i)}}", "source.ip": "{{Ip()}}", "source.port": {{Port()}}, "source.asn": {{Asn()}}, "source.geolocation.cc": "{{Pick(Countries)}}", "classification.type": "infected-system", "malware.name": "{{Pick(Malware)}}", "extra.count": {{i}}}"""));
                break;
            case "misp":
                text.Write("""{"Event": {"id": "1", "uuid": "5758ebf5-c898-48e6-9fe9-5665c0a83866", "info": "benchmark", "Tag": [{"name": "ecsirt:malicious-code=\"ransomware\""}], "Attribute": [""");
                text.Write("""{"category": "Payload type", "type": "text", "value": "Locky", "uuid": "575c8549-9010-4555-8b37-057ac0a83866", "timestamp": "1465681801"}""");
                for (long i = 0; i < records; i++)
                {
                    var (type, value) = (i % 3) switch
                    {
                        0 => ("url", $"http://{Host(i)}/{i:x}/payload.exe"),
                        1 => ("ip-dst", Ip()),
                        _ => ("domain", Host(i)),
                    };
                    text.Write(string.Create(CultureInfo.InvariantCulture,
                        $$""", {"category": "Network activity", "type": "{{type}}", "value": "{{value}}", "to_ids": true, "deleted": false, "uuid": "{{Uuid(i)}}", "timestamp": "{{1465681304 + i % 100000}}", "comment": ""}"""));
                }
                text.WriteLine("]}}");
                break;
            case "stix":
                // The context an indicator takes (identity, TLP marking, malware, relationship) comes last, as generators often write it.
                text.Write("""{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [""");
                for (long i = 0; i < records; i++)
                    text.Write(string.Create(CultureInfo.InvariantCulture,
                        $$"""{{(i == 0 ? "" : ", ")}}{"type": "indicator", "spec_version": "2.1", "id": "indicator--{{Uuid(i)}}", "created_by_ref": "identity--{{Uuid(0)}}", "created": "{{Time(i)}}", "modified": "{{Time(i)}}", "name": "{{Pick(Malware)}} C2", "indicator_types": ["malicious-activity"], "pattern": "[ipv4-addr:value = '{{Ip()}}']", "pattern_type": "stix", "valid_from": "{{Time(i)}}", "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}"""));
                text.Write(string.Create(CultureInfo.InvariantCulture, $$""", {"type": "identity", "spec_version": "2.1", "id": "identity--{{Uuid(0)}}", "name": "Benchmark CERT", "identity_class": "organization"}"""));
                text.Write(string.Create(CultureInfo.InvariantCulture, $$""", {"type": "malware", "spec_version": "2.1", "id": "malware--{{Uuid(0)}}", "name": "emotet", "is_family": true}"""));
                text.WriteLine(string.Create(CultureInfo.InvariantCulture, $$""", {"type": "relationship", "spec_version": "2.1", "id": "relationship--{{Uuid(0)}}", "relationship_type": "indicates", "source_ref": "indicator--{{Uuid(0)}}", "target_ref": "malware--{{Uuid(0)}}"}]}"""));
                break;
            case "blocklist":
                text.WriteLine("# CINS Army list, generated for the parser benchmark");
                for (long i = 0; i < records; i++) text.WriteLine(Ip());
                break;
            default:
                throw new ArgumentException($"unknown format '{format}': use {string.Join(", ", Formats)}");
        }
        text.Flush();
        return file.Length;
    }

    static string Time(long i) => DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i % 86_400).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    string Ip() => string.Create(CultureInfo.InvariantCulture, $"{_random.Next(1, 224)}.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}");

    int Port() => _random.Next(1, 65536);

    int Asn() => _random.Next(1, 400_000);

    string Pick(string[] values) => values[_random.Next(values.Length)];

    static string Host(long i) => string.Create(CultureInfo.InvariantCulture, $"host{i % 50_000}.example{i % 97}.com");

    static string Uuid(long i) => string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{i:x12}");
}
