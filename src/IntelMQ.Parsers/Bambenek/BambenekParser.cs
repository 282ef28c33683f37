using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Bambenek;

/// <summary>Parses Bambenek Consulting's C2 IP, C2 domain and DGA domain feeds: "indicator,description,time,manual URL" lines.</summary>
[Program("bambenek-parser", ProgramKind.Parser, "Parses Bambenek Consulting's C2 IP/domain master lists and DGA domain feed.",
    Modules = ["intelmq.bots.parsers.bambenek.parser"],
    Description = """
        Reads the osint.bambenekconsulting.com feeds c2-ipmasterlist, c2-dommasterlist (also their -high variants) and
        dga-feed: comma-separated lines of indicator, description, time and a manual URL. The feed is recognised from the
        report's feed.url (else from the indicator: an IP address is a C2 IP). C2 feeds give classification.type c2-server
        with status online, the DGA feed dga-domain. The malware name is taken from the description ("Domain used by
        shiotob/urlzone/bebloh" gives bebloh). Comments (#) are skipped; a line that does not fit goes to the dump.
        The feeds became commercial in 2019; the parser is kept for subscribers and archives.
        """,
    FieldsRead = ["feed.url", "event.original"],
    FieldsWritten = ["source.ip", "source.domain", "threat.software.name", "message", "event.reference", "status", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run bambenek-parser --raw < c2-ipmasterlist.txt"])]
public sealed class BambenekParser : LineListParser
{
    enum Feed { Unknown, C2Ip, C2Domain, Dga }

    static readonly string[] NameEnds = [" - ", " C&C", " DGA", " for ", " ("];

    protected override object Begin(Event report)
    {
        var url = report["feed.url"] as string ?? "";
        return url.Contains("c2-ipmasterlist", StringComparison.Ordinal) ? Feed.C2Ip
            : url.Contains("c2-dommasterlist", StringComparison.Ordinal) ? Feed.C2Domain
            : url.Contains("dga-feed", StringComparison.Ordinal) ? Feed.Dga
            : Feed.Unknown;
    }

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var fields = line.Text.Split(',');
        if (fields.Length < 4) throw new InvalidDataException($"expected 4 comma-separated fields (indicator, description, time, manual URL), found {fields.Length}");
        var feed = (Feed)state!;
        if (feed == Feed.Unknown) feed = FieldNormalizer.CanonicalIp(fields[0]) is not null ? Feed.C2Ip : Feed.C2Domain;
        var ev = ReportFields.NewEvent(report);
        ev.Add(feed == Feed.C2Ip ? "source.ip" : "source.domain", fields[0]);
        ev.Add("message", fields[1]);
        ev.Add("@timestamp", fields[2]);
        ev.Add("event.reference", fields[3]);
        ev.Add("threat.software.name", MalwareName(fields[1]));
        ev.Add("classification.type", feed == Feed.Dga ? "dga-domain" : "c2-server");
        if (feed != Feed.Dga) ev.Add("status", "online");
        output.EmitParsed(ev, line.Text);
    }

    /// <summary>"Domain used by Cryptolocker - Flashback DGA for 10 Nov 2016" is cryptolocker; of a family's aliases (a/b/c) the last.</summary>
    static string? MalwareName(string description)
    {
        var by = description.IndexOf("used by ", StringComparison.OrdinalIgnoreCase);
        if (by < 0) return null;
        var name = description[(by + "used by ".Length)..];
        foreach (var end in NameEnds)
        {
            var i = name.IndexOf(end, StringComparison.Ordinal);
            if (i > 0) name = name[..i];
        }
        name = name.Trim();
        return name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
    }
}
