using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.CleanMx;

/// <summary>Parses CleanMX's XML phishing and virus (malware URL) feeds: one &lt;entry&gt; per URL.</summary>
[Program("cleanmx-parser", ProgramKind.Parser, "Parses CleanMX's XML phishing and viruses feeds.",
    Modules = ["intelmq.bots.parsers.cleanmx.parser"],
    Description = """
        Reads CleanMX's xmlphishing or xmlviruses answer entry by entry (a report of any size streams). The feed is told by
        the report's feed.url (xmlphishing: phishing, xmlviruses: malware-distribution). Each <entry> gives an event: first
        is time.source (epoch), url source.url, ip source.ip, domain source.fqdn, country, email source.abuse_contact, as
        source.asn, recent status (up: online, down: offline), target event_description.target, md5 and virusname the
        malware, source the registry (phishing) or custom.source (viruses), and id, phishtank, response, review, inetnum,
        netname, descr, ns1-ns5, virustotal, vt_score and vt_info custom fields. An ip that is not an address (CleanMX writes
        host names there at times) is left out, as IntelMQ does; the raw text keeps it. The raw text is the entry as
        ElementTree writes it. An entry that is not well-formed XML stops the report at that point, with the reason. CleanMX
        has published only irregularly since 2019; the parser is kept for subscribers and archives.
        """,
    FieldsRead = ["feed.url", "event.original"],
    FieldsWritten = ["source.*", "status", "event_description.target", "file.hash.md5", "threat.software.name", "custom.*", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run cleanmx-parser --in-format dho --out-format dho < cleanmx-reports.jsonl"])]
public sealed class CleanMxParser : IParser
{
    static readonly Dictionary<string, string> Phishing = new(StringComparer.Ordinal)
    {
        ["target"] = "event_description.target", ["url"] = "source.url.full", ["domain"] = "source.domain", ["country"] = "source.geo.country_iso_code",
        ["email"] = "source.abuse_contact", ["source"] = "source.registry",
    };

    static readonly Dictionary<string, string> Viruses = new(StringComparer.Ordinal)
    {
        ["md5"] = "file.hash.md5", ["url"] = "source.url.full", ["domain"] = "source.domain", ["country"] = "source.geo.country_iso_code",
        ["email"] = "source.abuse_contact", ["source"] = "custom.source", ["target"] = "event_description.target",
    };

    static readonly HashSet<string> Ignored = ["line", "last", "scanner"];

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var url = report["feed.url"] as string ?? "";
        var viruses = url.Contains("xmlviruses", StringComparison.Ordinal);
        if (!viruses && !url.Contains("xmlphishing", StringComparison.Ordinal))
            throw new InvalidDataException($"Unknown CleanMX feed (feed.url '{url}'): expected an xmlphishing or xmlviruses URL.");
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = false, MaxCharactersInDocument = 0 };
        using var xml = XmlReader.Create(body, settings);
        var index = 0;
        xml.MoveToContent();
        while (!xml.EOF)
        {
            if (xml.NodeType != XmlNodeType.Element || xml.LocalName != "entry")
            {
                xml.Read();
                continue;
            }
            index++;
            var entry = (XElement)XNode.ReadFrom(xml);
            var tail = xml.NodeType is XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Text ? xml.Value : null;
            var raw = ElementTreeText.Write(entry, tail);
            try
            {
                output.EmitParsed(Build(report, entry, viruses), raw);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"entry {index}", raw, ex);
            }
        }
    }

    static Event Build(Event report, XElement entry, bool viruses)
    {
        var ev = ReportFields.NewEvent(report);
        var map = viruses ? Viruses : Phishing;
        foreach (var child in entry.Elements())
        {
            var name = child.Name.LocalName;
            var value = child.Value.Trim();
            if (value.Length == 0 || Ignored.Contains(name)) continue;
            switch (name)
            {
                case "first":
                    ev.Add("@timestamp", Timestamps.Format(DateTimeOffset.FromUnixTimeSeconds(long.Parse(value, CultureInfo.InvariantCulture))));
                    break;
                case "ip":
                    if (FieldNormalizer.CanonicalIp(value) is not null) ev.Add("source.ip", value);
                    break;
                case "as":
                    ev.Add("source.as.number", value.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? value[2..] : value);
                    break;
                case "recent":
                    ev.Add("status", value switch { "up" => "online", "down" => "offline", _ => value });
                    break;
                case "virusname":
                    ev.Add("threat.software.name", value.ToLowerInvariant());
                    break;
                default:
                    ev.Add(map.GetValueOrDefault(name, "custom." + name), value);
                    break;
            }
        }
        ev.Add("classification.type", viruses ? "malware-distribution" : "phishing");
        return ev;
    }
}
