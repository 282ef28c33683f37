using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Core.Interop;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.N6;

/// <summary>Parses CERT Polska n6 events (its stream's messages, or a list from its REST API) into IDF events, one per address.</summary>
[Program("n6-parser", ProgramKind.Parser, "Parses CERT Polska n6 events (STOMP stream messages or REST API lists): one event per address, nothing dropped.",
    Modules = ["intelmq.bots.parsers.n6.parser_n6stomp"],
    Description = """
        Reads a report that is one n6 event (a message of n6's STOMP stream, as IntelMQ's STOMP collector hands it on) or a
        JSON list of n6 events (n6's REST API); the conversion is the library function N6Format.ToEvents. category gives the
        classification (bots: malicious-code/infected-system with the name as identifier; cnc: c2-server "c&c server"; the
        table is src/IntelMQ.Core/Data/n6-categories.json; an unknown category is other/undetermined with custom.category),
        name gives malware.name (ASCII only, as IntelMQ) and, except for bots, event_description.text; time, proto, sport,
        dport, dip, url, fqdn, md5, sha1, sha256, target and status their IDF fields; id, source, confidence and adip
        custom.feed_id, custom.feed_source, custom.confidence and custom.adip as IntelMQ names them; every other attribute
        (restriction, origin, expires, ...) custom.<name>, and the stream's type custom.type unless it is "event". Each
        address (ip or ipv6, asn, cc, rdns) gives one event with its own source.ip, source.as.number and
        source.geo.country_iso_code; with several addresses each event lists all of them in related.ip (its own first) and
        links to the first event (same-report); all share the n6 event as event.original and differ in their ids. A value a
        field refuses is kept under custom.<n6 name>. Known deviation from IntelMQ, which emits N+1 events for N addresses
        (the last without any address) and drops sha256, IPv6 addresses, restriction and origin: see docs/parsers.md.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["classification.*", "message", "threat.software.name", "@timestamp", "network.transport", "source.*", "destination.*",
        "file.hash.*", "event_description.target", "status", "related.ip", "links", "custom.*", "event.original"],
    Examples = ["intelmq run n6-parser --in-format dho --out-format dho < n6-stomp-reports.jsonl"])]
public sealed class N6Parser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body);
        if (text.TrimStart().StartsWith('['))
        {
            foreach (var (index, record) in JsonReport.ReadList(new StringReader(text), output))
                EmitRecord(report, record, record.GetRawText(), $"element {index}", output);
            return;
        }
        using var document = JsonReport.Parse(text);
        EmitRecord(report, document.RootElement, text, "report", output);
    }

    static void EmitRecord(Event report, JsonElement record, string original, string position, IEmitter output)
    {
        List<Event> events;
        try
        {
            events = N6Format.ToEvents(record, () => ReportFields.NewEvent(report));
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject(position, original, ex);
            return;
        }
        if (events.Count == 1)
        {
            output.EmitParsed(events[0], original);
            return;
        }
        string? first = null;
        for (var i = 0; i < events.Count; i++)
        {
            var ev = events[i];
            if (first is not null)
            {
                var links = new JsonArray();
                if (ev[Event.LinksField] is IEnumerable<object> existing)
                    foreach (var link in existing) links.Add(((JsonNode)link).DeepClone());
                links.Add(new JsonObject { ["type"] = "same-report", ["id"] = first });
                ev.Add(Event.LinksField, links, overwrite: true);
            }
            output.EmitParsed(ev, original);
            first ??= ev.Id;
        }
    }
}
