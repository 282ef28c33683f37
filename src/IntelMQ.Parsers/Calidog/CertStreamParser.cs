using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Calidog;

/// <summary>Parses CertStream (Calidog) certificate updates: one event per domain of the certificate.</summary>
[Program("certstream-parser", ProgramKind.Parser, "Parses CertStream (Calidog) certificate transparency updates into one event per domain.",
    Modules = ["intelmq.bots.parsers.calidog.parser_certstream"],
    Description = """
        Reads one CertStream message per report (as the CertStream collector sends them): a certificate_update whose
        data.leaf_cert.all_domains lists the certificate's names. Emits one event per name with source.fqdn (a wildcard's
        "*." left out), time.source from data.seen (whole seconds) and classification.type other. The raw text of each
        event is the whole message. Other message types (heartbeats) give no events; a message without the certificate's
        domains is refused.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.domain", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run certstream-parser --in-format dho --out-format dho < certstream-reports.jsonl"])]
public sealed class CertStreamParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body);
        using var document = JsonReport.Parse(text);
        var message = document.RootElement;
        if (message.Text("message_type") is { } type && type != "certificate_update") return;
        if (message.Member("data") is not { } data || data.Member("leaf_cert") is not { } leaf || leaf.Member("all_domains") is not { ValueKind: JsonValueKind.Array } domains)
            throw new InvalidDataException("the message has no data.leaf_cert.all_domains list");
        string? seen = null;
        if (data.Member("seen") is { ValueKind: JsonValueKind.Number } s)
            seen = Timestamps.Format(DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(s.GetDouble())));
        var index = 0;
        foreach (var domain in domains.EnumerateArray())
        {
            index++;
            var name = domain.ValueKind == JsonValueKind.String ? domain.GetString()! : domain.GetRawText();
            try
            {
                var ev = ReportFields.NewEvent(report);
                ev.Add("source.domain", name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name);
                ev.Add("@timestamp", seen);
                ev.Add("classification.type", "other");
                output.EmitParsed(ev, text);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"all_domains element {index}", name, ex);
            }
        }
    }
}
