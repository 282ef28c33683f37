using System.Xml;
using System.Xml.Linq;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.FireEye;

/// <summary>Parses FireEye MAS/CMS OpenIOC alerts: the sample's hashes and the network indicators of its downloads.</summary>
[Program("fireeye-parser", ProgramKind.Parser, "Parses FireEye (Trellix) OpenIOC 1.1 alert indicators into file and network events.",
    Modules = ["intelmq.bots.parsers.fireeye.parser"],
    Description = """
        Reads one OpenIOC 1.1 document per report (as the FireEye collector fetches alerts). The file items of the top-level
        indicator (FileItem/Md5sum, Sha1sum, Sha256sum) give an event with classification.type malware and the hashes. Each
        nested indicator with network items gives an event with classification.type malware-distribution, the hashes,
        destination.fqdn (Network/HTTP/Host, else Network/DNS), destination.port (Network/Connection/RemotePort),
        destination.urlpath (Network/HTTP/RequestURI) and destination.url (http://host + path). The raw text of each event
        is the whole document. A document that is not well-formed XML is refused with the reason.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["file.hash.*", "destination.domain", "destination.port", "destination.url.full", "destination.url.path", "classification.type", "event.original"],
    Examples = ["intelmq run fireeye-parser --raw < alert-ioc.xml"])]
public sealed class FireEyeParser : IParser
{
    static readonly Dictionary<string, string> Hashes = new(StringComparer.Ordinal)
    {
        ["FileItem/Md5sum"] = "file.hash.md5", ["FileItem/Sha1sum"] = "file.hash.sha1", ["FileItem/Sha256sum"] = "file.hash.sha256",
    };

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body);
        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(text), settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new InvalidDataException($"the report is not well-formed XML: {ex.Message}", ex);
        }
        var criteria = document.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "criteria");
        var top = criteria?.Elements().FirstOrDefault(e => e.Name.LocalName == "Indicator");
        if (top is null) throw new InvalidDataException("the document has no criteria/Indicator: not an OpenIOC alert");

        var file = ReportFields.NewEvent(report);
        var hashes = new List<(string Path, string Value)>();
        foreach (var (search, content) in Items(top))
            if (Hashes.TryGetValue(search, out var path)) hashes.Add((path, content));
        try
        {
            if (hashes.Count > 0)
            {
                foreach (var (path, value) in hashes) file.Add(path, value);
                file.Add("classification.type", "malware");
                output.EmitParsed(file, text);
            }
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject("criteria/Indicator", top.ToString(), ex);
        }

        var index = 0;
        foreach (var network in top.Elements().Where(e => e.Name.LocalName == "Indicator"))
        {
            index++;
            try
            {
                var items = Items(network).ToList();
                if (!items.Any(i => i.Search.StartsWith("Network/", StringComparison.Ordinal))) continue;
                var ev = ReportFields.NewEvent(report);
                foreach (var (path, value) in hashes) ev.Add(path, value);
                string? host = null, dns = null, uri = null;
                foreach (var (search, content) in items)
                {
                    switch (search)
                    {
                        case "Network/HTTP/Host": host = content; break;
                        case "Network/DNS": dns = content; break;
                        case "Network/HTTP/RequestURI": uri = content; break;
                        case "Network/Connection/RemotePort": ev.Add("destination.port", content); break;
                    }
                }
                ev.Add("destination.domain", host ?? dns);
                if (uri is not null)
                {
                    ev.Add("destination.url.path", uri);
                    if ((host ?? dns) is { } name) ev.Add("destination.url.full", "http://" + name + uri);
                }
                ev.Add("classification.type", "malware-distribution");
                output.EmitParsed(ev, text);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"criteria/Indicator/Indicator {index}", network.ToString(), ex);
            }
        }
    }

    /// <summary>The (Context search, Content) pairs of an indicator's own items.</summary>
    static IEnumerable<(string Search, string Content)> Items(XElement indicator)
    {
        foreach (var item in indicator.Elements().Where(e => e.Name.LocalName == "IndicatorItem"))
        {
            var search = item.Elements().FirstOrDefault(e => e.Name.LocalName == "Context")?.Attribute("search")?.Value;
            var content = item.Elements().FirstOrDefault(e => e.Name.LocalName == "Content")?.Value.Trim();
            if (search is not null && content is { Length: > 0 }) yield return (search, content);
        }
    }
}
