using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Microsoft;

/// <summary>Microsoft's BingMURLs (malicious URLs seen by Bing), a JSON list from the Interflow interface.</summary>
[Program("microsoft-bingmurls-parser", ProgramKind.Parser, "Parses Microsoft BingMURLs (malicious URLs seen by Bing) from Interflow.",
    Modules = ["intelmq.bots.parsers.microsoft.parser_bingmurls"],
    Options = typeof(CommonParserOptions),
    Description = """
        One event per entry: Url, NetworkDestinationIPv4, NetworkDestinationAsn and NetworkDestinationPort give source.*, the
        first of Tags the country code, FirstReportedDateTime time.source, IndicatorThreatType classification.identifier,
        Description event_description.text, TLPLevel tlp; Attributable, IndicatorExpirationDateTime, IndicatorProvider,
        IsPartnerShareable, IsProductLicensed and ThreatDetectionProduct go to extra.*. classification.type blacklist.
        event.original is the entry as IntelMQ writes it (a JSON list of it, keys sorted). Microsoft's Interflow has been
        retired; the parser stays for archives.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "@timestamp", "message", "threat.indicator.marking.tlp", "classification.*", "custom.*", "event.original", "event.id"],
    Examples = ["intelmq run microsoft-bingmurls-parser --raw < bingmurls.json"])]
public sealed class BingMurlsParser(CommonParserOptions? options = null) : IParser
{
    static readonly (string Key, string Field)[] Fields =
    [
        ("Url", "source.url"), ("NetworkDestinationIPv4", "source.ip"), ("NetworkDestinationAsn", "source.asn"), ("NetworkDestinationPort", "source.port"),
        ("IndicatorThreatType", "classification.identifier"), ("Description", "event_description.text"), ("Attributable", "extra.attributable"),
        ("IndicatorExpirationDateTime", "extra.indicator_expiration_date_time"), ("IndicatorProvider", "extra.indicator_provider"),
        ("IsPartnerShareable", "extra.ispartnershareable"), ("IsProductLicensed", "extra.isproductlicensed"),
        ("ThreatDetectionProduct", "extra.threat_detection_product"),
    ];

    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonBody.Read(body);
        if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException("expected a JSON list of BingMURLs entries");
        var index = 0;
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            index++;
            try
            {
                var ev = DhoEvent.New(report, _options);
                DhoEvent.Add(ev, "classification.type", "blacklist");
                foreach (var (key, field) in Fields) DhoEvent.Add(ev, field, entry.Get(key));
                if (entry.Get("Tags") is { ValueKind: JsonValueKind.Array } tags && tags.GetArrayLength() > 0) DhoEvent.Add(ev, "source.geolocation.cc", tags[0]);
                if (entry.Get("FirstReportedDateTime").Text() is { } time) DhoEvent.Add(ev, "time.source", DhoTime.Lenient(time));
                DhoEvent.Add(ev, "tlp", entry.Get("TLPLevel"));
                output.Emit(DhoEvent.Complete(ev, _options, PythonJson.DumpsAsList(entry, sortKeys: true)));
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException)
            {
                output.Reject($"entry {index}", entry.GetRawText(), ex);
            }
        }
    }
}
