using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.PhishTank;

/// <summary>PhishTank's online-valid.json: verified phishing URLs with their hosting details.</summary>
[Program("phishtank-parser", ProgramKind.Parser, "Parses PhishTank's online-valid JSON list of phishing URLs.",
    Modules = ["intelmq.bots.parsers.phishtank.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        One event per entry of the list: url (source.url), phish_detail_url (event_description.url), submission_time
        (time.source), target (event_description.target), online yes as status online, phish_id, verified and
        verification_time under extra.phishtank.*; the first of details gives source.ip, source.network,
        source.asn (announcing_network) and source.geolocation.cc. classification.type phishing. event.original is the entry
        as IntelMQ writes it (a JSON list of it). An entry with an invalid value goes to the dump with its index.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "event.reference", "event_description.target", "status", "@timestamp", "classification.*", "custom.*", "event.original", "event.id"],
    Examples = ["zcat online-valid.json.gz | intelmq run phishtank-parser --raw"])]
public sealed class PhishTankParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        using var document = JsonBody.Read(body);
        if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException("expected a JSON list of phishing entries");
        var index = 0;
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            index++;
            try
            {
                output.Emit(Build(report, entry));
            }
            catch (Exception ex) when (ex is InvalidFieldException or FormatException)
            {
                output.Reject($"entry {index}", entry.GetRawText(), ex);
            }
        }
    }

    Event Build(Event report, JsonElement entry)
    {
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "phishing");
        DhoEvent.Add(ev, "source.url", entry.Get("url"));
        DhoEvent.Add(ev, "event_description.url", entry.Get("phish_detail_url"));
        DhoEvent.Add(ev, "extra.phishtank.phish_id", entry.Get("phish_id"));
        if (entry.Get("submission_time").Text() is { } submitted) DhoEvent.Add(ev, "time.source", DhoTime.Lenient(submitted));
        DhoEvent.Add(ev, "extra.phishtank.verified", entry.Get("verified"));
        DhoEvent.Add(ev, "extra.phishtank.verification_time", entry.Get("verification_time"));
        if (entry.Get("online").Text() is { } online) DhoEvent.Add(ev, "status", online == "yes" ? "online" : "offline");
        DhoEvent.Add(ev, "event_description.target", entry.Get("target"));
        if (entry.Get("details") is { ValueKind: JsonValueKind.Array } details && details.GetArrayLength() > 0)
        {
            var detail = details[0];
            DhoEvent.Add(ev, "source.ip", detail.Get("ip_address"));
            DhoEvent.Add(ev, "source.network", detail.Get("cidr_block"));
            DhoEvent.Add(ev, "source.asn", detail.Get("announcing_network").Text());
            DhoEvent.Add(ev, "source.geolocation.cc", detail.Get("country"));
        }
        return DhoEvent.Complete(ev, _options, PythonJson.DumpsAsList(entry));
    }
}
