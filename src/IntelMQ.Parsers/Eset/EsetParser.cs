using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Eset;

/// <summary>Parses ESET Threat Intelligence's domain and URL feeds (JSON, from its TAXII service).</summary>
[Program("eset-parser", ProgramKind.Parser, "Parses ESET Threat Intelligence's domain and URL feeds (ei.domains, ei.urls, JSON).",
    Modules = ["intelmq.bots.parsers.eset.parser"],
    Description = """
        Reads a JSON list of ESET ETI records element by element; the feed comes from the report's custom.eset_feed (IntelMQ's
        extra.eset_feed, set by the ESET collector): "ei.domains v2 (json)" or "ei.urls (json)". A domain record gives
        source.fqdn, a URL record source.url (and its domain); ip gives source.ip unless it is one of ESET's markers such as
        @ipv4_NXDOMAIN; reason is event_description.text, last_seen time.source, classification.type malware-distribution.
        A report of another feed is refused; a bad element goes to the dump with its position.
        """,
    FieldsRead = ["custom.eset_feed", "event.original"],
    FieldsWritten = ["source.domain", "source.url.full", "source.ip", "message", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run eset-parser --in-format dho --out-format dho < eset-reports.jsonl"])]
public sealed class EsetParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var feed = report["custom.eset_feed"] as string ?? "";
        var urls = feed.StartsWith("ei.urls", StringComparison.Ordinal);
        if (!urls && !feed.StartsWith("ei.domains", StringComparison.Ordinal))
            throw new InvalidDataException($"Unknown ESET feed '{feed}' (custom.eset_feed, IntelMQ's extra.eset_feed): expected ei.domains or ei.urls.");
        JsonReport.EmitEach(body, output, record => Build(report, record, urls), record => PythonJson.Dumps(record));
    }

    static Event Build(Event report, JsonElement record, bool urls)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the element is a JSON {record.ValueKind}, expected an object");
        var ev = ReportFields.NewEvent(report);
        ev.CopyFrom(report, "custom.eset_feed");
        if (urls) ev.Add("source.url.full", record.Text("url"));
        ev.Add("source.domain", record.Text("domain"));
        if (record.Text("ip") is { } ip && !ip.StartsWith('@')) ev.Add("source.ip", ip);
        ev.Add("message", record.Text("reason"));
        ev.Add("@timestamp", record.Text("last_seen"));
        ev.Add("classification.type", "malware-distribution");
        return ev;
    }
}
