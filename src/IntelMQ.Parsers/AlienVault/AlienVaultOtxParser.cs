using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.AlienVault;

/// <summary>Parses AlienVault OTX pulses (as the OTX collector fetches them): one event per indicator of each pulse.</summary>
[Program("alienvault-otx-parser", ProgramKind.Parser, "Parses AlienVault OTX subscribed pulses into one event per indicator.",
    Modules = ["intelmq.bots.parsers.alienvault.parser_otx"],
    Description = """
        Reads a JSON list of OTX pulses pulse by pulse (a report of any size streams). Each indicator gives an event with
        classification.type blacklist: IPv4/IPv6 source.ip, domain/hostname source.fqdn, URL source.url, URI source.url or
        source.urlpath, email source.account, FileHash-MD5/SHA1/SHA256 the malware hash, CIDR source.network, CVE custom.cve,
        other types custom.<type>. From the pulse come comment (description), tlp, custom.author, custom.pulse (name),
        custom.pulse_key (id), custom.tags, custom.time_updated, and custom.adversary, custom.industries and
        custom.targeted_countries (when not empty) when the pulse has them. The raw text is the indicator as sorted-key JSON.
        As IntelMQ 3.3 does, time.source is the indicator's created time with its last four characters cut off (so
        "2016-11-03T20:15:44" gives 20:01:00) and custom.time_updated the pulse's modified time cut the same way: kept so that
        events are IntelMQ's, though the minutes of an indicator created without fractions are wrong. A pulse that is not an
        object goes to the dump with its position; an indicator with a bad value goes to the dump with its pulse and index.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.domain", "source.url.full", "source.url.path", "source.user.name", "source.network", "file.hash.*", "comment", "threat.indicator.marking.tlp",
        "custom.*", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run alienvault-otx-parser --raw < pulses.json"])]
public sealed partial class AlienVaultOtxParser : IParser
{
    static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["IPv4"] = "source.ip", ["IPv6"] = "source.ip", ["domain"] = "source.domain", ["hostname"] = "source.domain", ["URL"] = "source.url.full",
        ["email"] = "source.user.name", ["FileHash-MD5"] = "file.hash.md5", ["FileHash-SHA1"] = "file.hash.sha1", ["FileHash-SHA256"] = "file.hash.sha256",
        ["CIDR"] = "source.network", ["CVE"] = "custom.cve",
    };

    [GeneratedRegex(@"^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$")]
    private static partial Regex CutTime();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        foreach (var (index, pulse) in JsonReport.ReadList(body, output))
        {
            if (pulse.ValueKind != JsonValueKind.Object || pulse.Member("indicators") is not { ValueKind: JsonValueKind.Array } indicators)
            {
                output.Reject($"pulse {index}", pulse.GetRawText(), new InvalidDataException("the pulse is not an object with an indicators list"));
                continue;
            }
            Event prototype;
            try
            {
                prototype = Prototype(report, pulse);
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"pulse {index}", pulse.GetRawText(), ex);
                continue;
            }
            var position = 0;
            foreach (var indicator in indicators.EnumerateArray())
            {
                position++;
                try
                {
                    var ev = prototype.Clone();
                    AddIndicator(ev, indicator);
                    output.EmitParsed(ev, PythonJson.Dumps(indicator, sortKeys: true));
                }
                catch (Exception ex) when (BadInput.Is(ex))
                {
                    output.Reject($"pulse {index} indicator {position}", indicator.GetRawText(), ex);
                }
            }
        }
    }

    static Event Prototype(Event report, JsonElement pulse)
    {
        var ev = ReportFields.NewEvent(report);
        ev.Add("comment", pulse.Text("description"));
        ev.Add("threat.indicator.marking.tlp", pulse.Text("TLP"));
        ev.AddPresent("custom.author", pulse.Text("author_name"));
        ev.AddPresent("custom.pulse", pulse.Text("name"));
        ev.AddPresent("custom.pulse_key", pulse.Text("id"));
        ev.AddPresent("custom.tags", pulse.Member("tags"));
        // IntelMQ writes modified with six fraction digits (".000000" when it has none), then cuts four.
        if (pulse.Text("modified") is { Length: > 4 } modified)
            ev.Add("custom.time_updated", (modified.Contains('.') ? modified : modified + ".000000")[..^4] + "+00:00");
        ev.AddPresent("custom.adversary", pulse.Member("adversary"));
        ev.AddPresent("custom.industries", pulse.Member("industries"));
        // An empty targeted_countries is left out, an empty industries kept: IntelMQ 3.3 does so.
        if (pulse.Member("targeted_countries") is { ValueKind: JsonValueKind.Array } countries && countries.GetArrayLength() > 0) ev.Add("custom.targeted_countries", countries);
        ev.Add("classification.type", "blacklist");
        return ev;
    }

    static void AddIndicator(Event ev, JsonElement indicator)
    {
        var type = indicator.Text("type") ?? throw new InvalidDataException("the indicator has no type");
        var value = indicator.Text("indicator") ?? throw new InvalidDataException("the indicator has no value");
        if (type == "URI") ev.Add(value.Contains("://", StringComparison.Ordinal) ? "source.url.full" : "source.url.path", value);
        else ev.Add(Fields.GetValueOrDefault(type, "custom." + type.ToLowerInvariant().Replace('-', '_')), value);
        if (indicator.Text("created") is { Length: > 4 } created && CutTime().Match(created[..^4]) is { Success: true } m)
        {
            int Part(int group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
            var time = new DateTimeOffset(Part(1), Part(2), Part(3), Part(4), Part(5), Part(6), TimeSpan.Zero);
            if (m.Groups[7].Success) time = time.AddTicks(int.Parse(m.Groups[7].Value.PadRight(6, '0'), CultureInfo.InvariantCulture) * 10L);
            ev.Add("@timestamp", Timestamps.Format(time));
        }
    }
}
