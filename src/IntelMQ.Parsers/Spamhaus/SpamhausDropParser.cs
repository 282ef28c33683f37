using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Spamhaus;

/// <summary>Spamhaus DROP, EDROP, DROPv6 (networks) and ASN-DROP (AS numbers), in text or in the JSON-lines form.</summary>
[Program("spamhaus-drop-parser", ProgramKind.Parser, "Parses Spamhaus DROP, EDROP, DROPv6 and ASN-DROP lists (text or JSON lines).",
    Modules = ["intelmq.bots.parsers.spamhaus.parser_drop"],
    Options = typeof(CommonParserOptions),
    Description = """
        Text lists: lines starting with ; are comments, and "; Last-Modified: <date>" gives time.source. "1.4.0.0/17 ; SBL256893"
        gives source.network and extra.blocklist; "AS260 ; AE | XCONNECT24" gives source.asn, source.geolocation.cc and
        source.as_name. The JSON-lines lists (drop_v4.json, asndrop.json) give the same from cidr/sblid or asn/cc/asname, and
        their metadata line (type metadata, timestamp) gives time.source. Every event is classification.type spam; the line is
        event.original. A line that fits neither form goes to the dump with its line number.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "classification.*", "@timestamp", "custom.blocklist", "event.original", "event.id"],
    Examples = ["curl -s https://www.spamhaus.org/drop/drop.txt | intelmq run spamhaus-drop-parser --raw"])]
public sealed partial class SpamhausDropParser(CommonParserOptions? options = null) : IParser
{
    static readonly JsonDocumentOptions Limits = new() { MaxDepth = 16 };
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string? time = null;
        LineParser.Run(body, output, line => Build(report, line, ref time));
    }

    Event[] Build(Event report, string line, ref string? time)
    {
        var text = line.Trim();
        if (text.Length == 0) return [];
        if (text.StartsWith(';'))
        {
            if (LastModified().Match(text) is { Success: true } m) time = DhoTime.Lenient(m.Groups[1].Value);
            return [];
        }
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "spam");
        if (text.StartsWith('{'))
        {
            using var doc = JsonDocument.Parse(text, Limits);
            var root = doc.RootElement;
            if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "metadata")
            {
                if (root.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number) time = DhoTime.Parse(ts.GetRawText(), "timestamp");
                return [];
            }
            if (root.TryGetProperty("cidr", out var cidr)) DhoEvent.Add(ev, "source.network", cidr);
            if (root.TryGetProperty("sblid", out var sbl)) DhoEvent.Add(ev, "extra.blocklist", sbl);
            if (root.TryGetProperty("asn", out var asn)) DhoEvent.Add(ev, "source.asn", asn);
            if (root.TryGetProperty("cc", out var cc)) DhoEvent.Add(ev, "source.geolocation.cc", cc);
            if (root.TryGetProperty("asname", out var asname)) DhoEvent.Add(ev, "source.as_name", asname);
            if (root.TryGetProperty("rir", out var rir)) DhoEvent.TryAdd(ev, "source.registry", rir);
        }
        else if (AsnLine().Match(text) is { Success: true } a)
        {
            DhoEvent.Add(ev, "source.asn", a.Groups[1].Value);
            DhoEvent.Add(ev, "source.geolocation.cc", a.Groups[2].Value.Trim());
            DhoEvent.Add(ev, "source.as_name", a.Groups[3].Value.Trim());
        }
        else if (NetworkLine().Match(text) is { Success: true } n)
        {
            DhoEvent.Add(ev, "source.network", n.Groups[1].Value);
            DhoEvent.Add(ev, "extra.blocklist", n.Groups[2].Value.Trim());
        }
        else throw new InvalidDataException("the line is neither a network (1.4.0.0/17 ; SBL256893) nor an AS (AS260 ; AE | name) entry");
        if (time is not null) DhoEvent.Add(ev, "time.source", time);
        return [DhoEvent.Complete(ev, _options, line)];
    }

    [GeneratedRegex(@"^;\s*Last-Modified:\s*(.+)$")]
    private static partial Regex LastModified();

    [GeneratedRegex(@"^AS(\d+)\s*;\s*([^|]*)\|\s*(.*)$")]
    private static partial Regex AsnLine();

    [GeneratedRegex(@"^([0-9a-fA-F.:]+/\d+)\s*;\s*(.*)$")]
    private static partial Regex NetworkLine();
}
