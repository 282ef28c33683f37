using System.Globalization;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.McAfee;

/// <summary>McAfee (Trellix) Advanced Threat Defense sandbox reports, one JSON document per report.</summary>
[Program("mcafee-atd-parser", ProgramKind.Parser, "Parses McAfee Advanced Threat Defense (ATD) sandbox reports.",
    Modules = ["intelmq.bots.parsers.mcafee.parser_atd"],
    Options = typeof(McAfeeAtdParserOptions),
    Description = """
        A report (ATD's JSON file report, as the openDXL collector delivers it) whose Summary.Verdict.Severity is at least
        verdict_severity gives: an event for the analysed sample (Summary.Subject: malware.name and its md5, sha-1 and sha-256
        as malware.hash.*), one per dropped file (Summary.Files: its name and hashes), one per contacted address
        (Summary.Ips: destination.ip and destination.port) and one per contacted host (Summary.Urls: destination.fqdn, or
        destination.url when it is a URL, and destination.port), the last two with the sample's name and hashes. All are
        classification.type infected-system (taxonomy malicious-code) and share the report as event.original. A report
        below the severity is dropped with the reason; an entry whose values are refused goes to the dump with its position.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["threat.software.name", "file.hash.*", "destination.*", "classification.*", "event.original", "event.id"],
    Examples =
    [
        "intelmq run mcafee-atd-parser --raw --set verdict_severity=3 < atd-report.json",
        "# input:",
        "#   {\"Summary\": {\"Subject\": {\"Name\": \"a.exe\", \"md5\": \"6C3F06652A4868E005EB42DAAF1CEE43\"}, \"Verdict\": {\"Severity\": \"5\"}, \"Ips\": [{\"Ipv4\": \"192.0.2.1\", \"Port\": \"80\"}]}}",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"classification.taxonomy\": \"malicious-code\", \"classification.type\": \"infected-system\", \"malware.name\": \"a.exe\", \"malware.hash.md5\": \"6C3F06652A4868E005EB42DAAF1CEE43\"}",
        "#   {\"__type\": \"Event\", \"classification.taxonomy\": \"malicious-code\", \"classification.type\": \"infected-system\", \"malware.name\": \"a.exe\", \"malware.hash.md5\": \"6C3F06652A4868E005EB42DAAF1CEE43\", \"destination.ip\": \"192.0.2.1\", \"destination.port\": 80}",
    ])]
public sealed class McAfeeAtdParser(McAfeeAtdParserOptions? options = null) : IParser
{
    readonly McAfeeAtdParserOptions _options = options ?? new McAfeeAtdParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var raw = JsonReport.ReadText(body, JsonReport.MaxSize);
        using var document = JsonReport.Parse(raw);
        var summary = document.RootElement.Member("Summary") ?? throw new InvalidDataException("the report has no Summary: it is not an ATD JSON report");
        var subject = summary.Member("Subject") ?? throw new InvalidDataException("the report has no Summary.Subject");
        var severityText = summary.Member("Verdict")?.Text("Severity");
        if (!int.TryParse(severityText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var severity))
            throw new InvalidDataException($"Summary.Verdict.Severity is '{severityText}', not a number");

        var sample = Build(report, subject, "Name", "md5", "sha-1", "sha-256");
        if (severity < _options.VerdictSeverity)
        {
            output.Drop(sample, $"the verdict severity {severity} is below verdict_severity {_options.VerdictSeverity}");
            return;
        }
        output.Emit(Complete(sample, raw));
        EmitEach(output, summary, "Files", raw, file => Build(report, file, "Name", "Md5", "Sha1", "Sha256"));
        EmitEach(output, summary, "Ips", raw, ip =>
        {
            var ev = Build(report, subject, "Name", "md5", "sha-1", "sha-256");
            DhoEvent.Add(ev, "destination.ip", ip.Text("Ipv4") ?? ip.Text("Ipv6"));
            DhoEvent.Add(ev, "destination.port", ip.Text("Port"));
            return ev;
        });
        EmitEach(output, summary, "Urls", raw, url =>
        {
            var ev = Build(report, subject, "Name", "md5", "sha-1", "sha-256");
            var target = url.Text("Url");
            DhoEvent.Add(ev, target is not null && target.Contains("://", StringComparison.Ordinal) ? "destination.url" : "destination.fqdn", target);
            DhoEvent.Add(ev, "destination.port", url.Text("Port"));
            return ev;
        });
    }

    void EmitEach(IEmitter output, JsonElement summary, string list, string raw, Func<JsonElement, Event> build)
    {
        if (summary.Member(list) is not { ValueKind: JsonValueKind.Array } entries) return;
        var index = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            index++;
            try
            {
                output.Emit(Complete(build(entry), raw));
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"Summary.{list} entry {index}", entry.GetRawText(), ex);
            }
        }
    }

    Event Build(Event report, JsonElement malware, string name, string md5, string sha1, string sha256)
    {
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.taxonomy", "malicious-code");
        DhoEvent.Add(ev, "classification.type", "infected-system");
        DhoEvent.Add(ev, "malware.name", malware.Text(name));
        DhoEvent.Add(ev, "malware.hash.md5", malware.Text(md5));
        DhoEvent.Add(ev, "malware.hash.sha1", malware.Text(sha1));
        DhoEvent.Add(ev, "malware.hash.sha256", malware.Text(sha256));
        return ev;
    }

    Event Complete(Event ev, string raw) => DhoEvent.Complete(ev, _options, raw);
}
