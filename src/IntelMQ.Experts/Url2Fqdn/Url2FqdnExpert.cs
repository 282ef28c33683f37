using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Experts.Url2Fqdn;

/// <summary>Copies the host name of source.url / destination.url to source.fqdn / destination.fqdn, as IntelMQ's url2fqdn expert does.</summary>
[Program("url2fqdn-expert", ProgramKind.Expert, "Fills source.fqdn and destination.fqdn from the host of source.url and destination.url.",
    Modules = ["intelmq.bots.experts.url2fqdn.expert"],
    Options = typeof(Url2FqdnExpertOptions),
    Description = """
        Takes the host name of each side's URL into its fqdn field, unless the side already has one and overwrite is
        false. A URL whose host is an IP address, or which does not parse, leaves that side unchanged.
        """,
    FieldsRead = ["source.url.full", "destination.url.full"],
    FieldsWritten = ["source.domain", "destination.domain"],
    Examples = ["intelmq run url2fqdn-expert < events.jsonl"])]
public sealed class Url2FqdnExpert(Url2FqdnExpertOptions options) : IExpert
{
    static readonly (string Url, string Fqdn)[] Sides = [("source.url.full", "source.domain"), ("destination.url.full", "destination.domain")];

    public void Process(Event ev, IEmitter output)
    {
        foreach (var (url, fqdn) in Sides)
            if (ev[url] is string text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.HostNameType == UriHostNameType.Dns)
                ev.TryAdd(fqdn, uri.IdnHost, options.Overwrite);
        output.Emit(ev);
    }
}
