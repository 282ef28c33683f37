using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.VxVault;

/// <summary>VX Vault's URL list: malware download URLs, one per line, after a dated header.</summary>
[Program("vxvault-parser", ProgramKind.Parser, "Parses VX Vault's URL list of malware downloads.",
    Modules = ["intelmq.bots.parsers.vxvault.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        Lines starting with http are URLs: source.url, the host as source.fqdn (or source.ip when it is an address),
        classification.type malware-distribution, and time.source from the list's date line (Mon, 17 Aug 2015 14:36:19 +0000)
        when there is one. Other lines (<pre>, the title) hold no event.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "classification.*", "@timestamp", "event.original", "event.id"],
    Examples = ["curl -s http://vxvault.net/URL_List.php | intelmq run vxvault-parser --raw"])]
public sealed class VxVaultParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string? time = null;
        LineParser.Run(body, output, line => Build(report, line, ref time));
    }

    IEnumerable<Event> Build(Event report, string line, ref string? time)
    {
        var text = line.Trim();
        if (!text.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            if (time is null && text.Length > 0)
                try { time = DhoTime.Lenient(text); } catch (FormatException) { } // a header line that is not the date
            return [];
        }
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "malware-distribution");
        DhoEvent.Add(ev, "source.url", text);
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            var host = uri.IdnHost.Trim('[', ']');
            if (!DhoEvent.TryAdd(ev, "source.ip", host)) DhoEvent.TryAdd(ev, "source.fqdn", host);
        }
        if (time is not null) DhoEvent.Add(ev, "time.source", time);
        return [DhoEvent.Complete(ev, _options, text)];
    }
}
