using System.Net;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Lists;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Zeek;

/// <summary>Keeps a Zeek intelligence framework file of the events' indicators, rewritten whole and atomically after each batch.</summary>
[Program("zeek-intel-output", ProgramKind.Output, "Keeps a Zeek intel file (the intelligence framework's tab-separated format) of the events' indicators, rewritten atomically after every batch.",
    Options = typeof(ZeekIntelOutputOptions),
    Description = """
        Every value of indicator_fields in an event becomes an item of Zeek's intelligence framework: a line of the
        tab-separated file Zeek's Intel::read_files loads, under the header "#fields indicator indicator_type
        meta.source meta.desc meta.url". Types: Intel::ADDR (an address), Intel::SUBNET (a network), Intel::DOMAIN,
        Intel::URL (without its scheme, as Zeek matches URLs), Intel::EMAIL, Intel::FILE_HASH. meta.source is
        meta_source or the event's feed.name, meta.desc its event_description.text (else classification.type and
        malware.name), meta.url its event_description.url; a missing value is written "-", tabs and line breaks as
        spaces. The file holds every indicator written so far (kept in FILE.entries, so a restart loses none; the last
        event naming an indicator gives its meta): after each batch it is written anew to a temporary file, fsynced
        and renamed over the old one, so Zeek (which rereads the file when it changes) never reads half of it. Several
        processes may write one file: each update reads, merges and renames under the lock on FILE.lock. An event
        without any indicator is refused. expire_entries_days drops indicators not seen again for that long.
        """,
    FieldsRead = ["source.ip", "source.network", "source.domain", "source.url.full", "source.user.name", "file.hash.*", "feed.name", "message",
        "classification.type", "threat.software.name", "event.reference"],
    Examples = ["intelmq run zeek-intel-output --set file=/opt/zeek/share/intel/intelmq.dat < events.jsonl"])]
public sealed class ZeekIntelOutput : IOutput
{
    const string Program = "zeek-intel-output";
    const string Header = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n";

    readonly ZeekIntelOutputOptions _options;
    readonly AccumulatedList _intel;
    readonly TimeProvider _clock;
    readonly string[] _fields;

    public ZeekIntelOutput(ZeekIntelOutputOptions options, ProgramContext context)
    {
        _options = options;
        _clock = context.Clock;
        if (options.File.Length == 0) throw new ConfigurationException($"{Program}: option 'file' is empty; give the intel file's path, e.g. --set file=/opt/zeek/share/intel/intelmq.dat");
        if (options.IndicatorFields.Length == 0) throw new ConfigurationException($"{Program}: option 'indicator_fields' is empty; name the fields to take indicators from, e.g. [source.ip, source.fqdn].");
        _fields = options.IndicatorFields.Select(f => IntelMQFields.Path(f)
            ?? throw new ConfigurationException($"{Program}: option 'indicator_fields': '{f}' is neither an IntelMQ nor an IDF field name.")).ToArray();
        _intel = new AccumulatedList(options.File);
    }

    public ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        var added = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var ev = events[i];
            var meta = $"{Cell(_options.MetaSource.Length > 0 ? _options.MetaSource : ev["feed.name"] as string)}\t{Cell(Description(ev))}\t{Cell(ev["event.reference"] as string)}";
            var found = false;
            foreach (var field in _fields)
            {
                if (IntelMQFields.Text(ev, field) is not { } value || Indicator(field, value) is not { } indicator) continue;
                var cell = Cell(indicator.Value);
                added[$"{indicator.Type} {cell}"] = $"{cell}\t{indicator.Type}\t{meta}";
                found = true;
            }
            if (!found) results[i] = WriteResult.Refused($"{Program}: the event has no indicator in {string.Join(", ", _options.IndicatorFields)}");
        }
        if (added.Count == 0) return ValueTask.CompletedTask;
        var expiry = _options.ExpireEntriesDays > 0 ? TimeSpan.FromDays(_options.ExpireEntriesDays) : (TimeSpan?)null;
        try
        {
            _intel.Update(added, _clock.GetUtcNow(), expiry, Render);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TransientException($"{Program}: cannot write {_intel.Path}: {ex.Message}", ex);
        }
        return ValueTask.CompletedTask;
    }

    static string Render(IReadOnlyList<AccumulatedList.Entry> entries, string? previous)
    {
        var file = new StringBuilder(Header);
        foreach (var entry in entries) file.Append(entry.Line).Append('\n');
        return file.ToString();
    }

    /// <summary>The indicator and its Zeek type for a field's value; null when the value is not one Zeek can match.</summary>
    static (string Value, string Type)? Indicator(string field, string value)
    {
        if (field.StartsWith("file.hash.", StringComparison.Ordinal)) return (value.ToLowerInvariant(), "Intel::FILE_HASH");
        if (field.EndsWith(".network", StringComparison.Ordinal)) return IPNetwork.TryParse(value, out _) ? (value, "Intel::SUBNET") : null;
        if (IPAddress.TryParse(value, out var address) && address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            return (address.ToString(), "Intel::ADDR");
        if (field.EndsWith(".url.full", StringComparison.Ordinal))
        {
            var scheme = value.IndexOf("://", StringComparison.Ordinal);
            return (scheme >= 0 ? value[(scheme + 3)..] : value, "Intel::URL");
        }
        if (field.EndsWith(".domain", StringComparison.Ordinal)) return (value.TrimEnd('.').ToLowerInvariant(), "Intel::DOMAIN");
        if (value.Contains('@')) return (value, "Intel::EMAIL");
        return null;
    }

    static string? Description(Event ev)
    {
        if (ev["message"] is string text) return text;
        var type = ev["classification.type"] as string;
        var malware = ev["threat.software.name"] as string;
        return type is null ? malware : malware is null ? type : $"{type} {malware}";
    }

    static string Cell(string? value) =>
        string.IsNullOrEmpty(value) ? "-" : value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
