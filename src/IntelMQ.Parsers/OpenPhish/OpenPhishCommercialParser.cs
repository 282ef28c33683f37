using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.OpenPhish;

/// <summary>OpenPhish's premium feed: one JSON object per line per phishing URL.</summary>
[Program("openphish-commercial-parser", ProgramKind.Parser, "Parses OpenPhish's premium feed (JSON lines).",
    Modules = ["intelmq.bots.parsers.openphish.parser_commercial"],
    Options = typeof(CommonParserOptions),
    Description = """
        One event per line: url (source.url), ip (source.ip), host (source.fqdn when it is a name), asn and asn_name
        (source.asn, source.as_name), country_code and country_name, isotime (time.source), screenshot (screenshot_url);
        brand, sector, family_id, emails, page_language, tld, phishing_kit and the ssl_cert_* fields under extra.*.
        classification.type phishing. event.original is the line as IntelMQ writes it (a JSON list of the object). A line
        that is not JSON or has an invalid value goes to the dump with its line number.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "screenshot_url", "@timestamp", "classification.*", "custom.*", "event.original", "event.id"],
    Examples = ["intelmq run openphish-commercial-parser --raw < feed.json"])]
public sealed class OpenPhishCommercialParser(CommonParserOptions? options = null) : IParser
{
    static readonly (string Key, string Field)[] Fields =
    [
        ("url", "source.url"), ("ip", "source.ip"), ("asn_name", "source.as_name"), ("country_code", "source.geolocation.cc"),
        ("country_name", "source.geolocation.country"), ("screenshot", "screenshot_url"), ("brand", "extra.brand"), ("sector", "extra.sector"),
        ("family_id", "extra.family_id"), ("emails", "extra.emails"), ("page_language", "extra.page_language"), ("tld", "extra.tld"),
        ("phishing_kit", "extra.phishing_kit"), ("ssl_cert_issued_by", "extra.ssl_cert_issued_by"), ("ssl_cert_issued_to", "extra.ssl_cert_issued_to"),
        ("ssl_cert_serial", "extra.ssl_cert_serial"),
    ];

    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output) =>
        LineParser.Run(body, output, line =>
        {
            if (line.AsSpan().Trim().IsEmpty) return [];
            using var document = JsonDocument.Parse(line, JsonReport.Limits);
            var entry = document.RootElement;
            if (entry.ValueKind != JsonValueKind.Object) throw new InvalidDataException("expected a JSON object");
            var ev = DhoEvent.New(report, _options);
            DhoEvent.Add(ev, "classification.type", "phishing");
            foreach (var (key, field) in Fields) DhoEvent.Add(ev, field, entry.Get(key));
            if (entry.Get("asn").Text() is { } asn) DhoEvent.Add(ev, "source.asn", asn.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? asn[2..] : asn);
            if (entry.Get("isotime").Text() is { } time) DhoEvent.Add(ev, "time.source", DhoTime.Lenient(time));
            DhoEvent.TryAdd(ev, "source.fqdn", entry.Get("host").Text());
            return new[] { DhoEvent.Complete(ev, _options, PythonJson.DumpsAsList(entry)) };
        });
}
