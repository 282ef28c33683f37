using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.CertEu;

/// <summary>Parses CERT-EU's CSV feed: a header line, then one indicator per row.</summary>
[Program("cert-eu-csv-parser", ProgramKind.Parser, "Parses CERT-EU's CSV threat feed for EU institutions.",
    Modules = ["intelmq.bots.parsers.cert_eu.parser_csv"],
    Description = """
        Reads CERT-EU's CSV feed (columns named in its header line: "feed code", "source ip", "source time", "type", ...). Each
        row gives an event: the type (malware url, phishing, c&c, ...) becomes classification.type, the source columns
        source.*, "source cc" source.geolocation.geoip_cc, "confidence level" scales the report's feed.accuracy (50 at 51 %
        is 25.5), "observation time" is kept as custom.cert_eu_time_observation, "feed code" as custom.datasource, and first
        seen, last seen, expiration date and the geohash as custom fields. The raw text is the header line and the row. A row
        with a bad value, or more cells than the header, goes to the dump with its line number.
        """,
    FieldsRead = ["feed.accuracy", "event.original"],
    FieldsWritten = ["source.*", "destination.port", "network.transport", "message", "event_description.target", "threat.indicator.marking.tlp", "feed.accuracy", "custom.*", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run cert-eu-csv-parser --raw < cert-eu.csv"])]
public sealed class CertEuCsvParser : IParser
{
    static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["malware url"] = "malware-distribution",
        ["malware"] = "malware",
        ["phishing"] = "phishing",
        ["c&c"] = "c2-server",
        ["c2"] = "c2-server",
        ["botnet drone"] = "infected-system",
        ["scanner"] = "scanner",
        ["spam"] = "spam",
        ["ddos"] = "ddos",
        ["brute-force"] = "brute-force",
        ["exploit"] = "exploit",
        ["vulnerable service"] = "vulnerable-system",
        ["dga domain"] = "dga-domain",
    };

    // Column → field for the columns taken as they are; the others are handled in Build.
    static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["source ip"] = "source.ip",
        ["source time"] = "@timestamp",
        ["tlp"] = "threat.indicator.marking.tlp",
        ["description"] = "message",
        ["destination port"] = "destination.port",
        ["protocol"] = "network.transport",
        ["source cc"] = "source.geo.geoip_cc",
        ["source country"] = "source.geo.country_name",
        ["source city"] = "source.geo.city_name",
        ["source as name"] = "source.as.organization.name",
        ["source bgp prefix"] = "source.network",
        ["source asn"] = "source.as.number",
        ["target"] = "event_description.target",
        ["url"] = "source.url.full",
        ["domain name"] = "source.domain",
        ["abuse contact"] = "source.abuse_contact",
        ["feed code"] = "custom.datasource",
        ["first seen"] = "custom.first_seen",
        ["last seen"] = "custom.last_seen",
        ["expiration date"] = "custom.expiration_date",
        ["source geohash"] = "custom.source.geolocation.geohash",
        ["count"] = "custom.count",
    };

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string[]? header = null;
        string? headerLine = null;
        foreach (var line in ReportLines.Read(body, output))
        {
            if (line.Text.Trim().Length == 0) continue;
            if (header is null)
            {
                headerLine = line.Text;
                header = CsvLine.Split(line.Text).Select(c => c.Trim()).ToArray();
                continue;
            }
            try
            {
                var cells = CsvLine.Split(line.Text);
                if (cells.Count > header.Length) throw new InvalidDataException($"the row has {cells.Count} cells, the header {header.Length}");
                output.EmitParsed(Build(report, header, cells), headerLine + "\n" + line.Text);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject(line.Position, line.Text, ex);
            }
        }
    }

    static Event Build(Event report, string[] header, List<string> cells)
    {
        var ev = ReportFields.NewEvent(report);
        for (var i = 0; i < cells.Count; i++)
        {
            var value = cells[i].Trim();
            if (value.Length == 0) continue;
            switch (header[i])
            {
                case "type":
                    ev.Add("classification.type", Types.GetValueOrDefault(value, "undetermined"));
                    break;
                case "observation time":
                    ev.Add("custom.cert_eu_time_observation", Timestamps.TryParse(value, out var observed) ? Timestamps.Format(observed) : value);
                    break;
                case "source latitude":
                    ev.Add("source.geo.location.lat", double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "source longitude":
                    ev.Add("source.geo.location.lon", double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "confidence level":
                    var accuracy = report["feed.accuracy"] is { } a ? Convert.ToDouble(a, CultureInfo.InvariantCulture) : 100.0;
                    ev.Add("feed.accuracy", accuracy * double.Parse(value, CultureInfo.InvariantCulture) / 100, overwrite: true);
                    break;
                case "count":
                    ev.Add("custom.count", long.Parse(value, CultureInfo.InvariantCulture));
                    break;
                default:
                    if (Columns.TryGetValue(header[i], out var path)) ev.Add(path, value);
                    break;
            }
        }
        if (!ev.Contains("classification.type")) ev.Add("classification.type", "undetermined");
        return ev;
    }
}
