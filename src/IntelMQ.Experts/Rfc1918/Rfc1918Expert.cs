using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Rfc1918;

/// <summary>Removes or drops reserved addresses, names and AS numbers, as IntelMQ's rfc1918 expert does.</summary>
[Program("rfc1918-expert", ProgramKind.Expert, "Removes fields, or drops events, whose IP, host name, URL host or AS number is reserved (RFC 1918, documentation, loopback, ...).",
    Modules = ["intelmq.bots.experts.rfc1918.expert"],
    Options = typeof(Rfc1918ExpertOptions),
    Description = """
        For each field in fields, a reserved value (private, shared, loopback, link-local, documentation, multicast
        and other special-purpose networks of IPv4 and IPv6; the documentation domains example.com/.net/.org and the
        reserved top-level domains; private and documentation AS numbers; a URL whose host is one of these) is
        handled by the field's policy: del removes the field, drop drops the event with the reason. Other values
        pass unchanged. The ranges are a data file (Data/reserved.tsv).
        """,
    FieldsRead = ["source.ip", "destination.ip", "source.domain", "destination.domain", "source.url.full", "destination.url.full", "source.as.number", "destination.as.number"],
    FieldsWritten = ["source.ip", "destination.ip", "source.domain", "destination.domain", "source.url.full", "destination.url.full", "source.as.number", "destination.as.number"],
    Examples = ["intelmq run rfc1918-expert --set fields=destination.ip,source.url --set policy=del,drop < events.jsonl"])]
public sealed class Rfc1918Expert : IExpert
{
    readonly (string Field, bool Drop)[] _checks;

    public Rfc1918Expert(Rfc1918ExpertOptions options)
    {
        var fields = Split(options.Fields);
        var policies = Split(options.Policy);
        if (fields.Length != policies.Length)
            throw new ConfigurationException($"rfc1918-expert: {fields.Length} fields but {policies.Length} policies; give one policy (del or drop) per field.");
        _checks = new (string, bool)[fields.Length];
        for (var i = 0; i < fields.Length; i++)
            _checks[i] = (IntelMQFields.Require("rfc1918-expert", "fields", fields[i]), policies[i] switch
            {
                "drop" => true,
                "del" => false,
                _ => throw new ConfigurationException($"rfc1918-expert: option 'policy': '{policies[i]}' is neither del nor drop."),
            });
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var (field, drop) in _checks)
        {
            if (!ev.TryGetValue(field, out var value) || !IsReserved(value)) continue;
            if (drop)
            {
                output.Drop(ev, $"{field} '{value}' is reserved");
                return;
            }
            ev.Remove(field);
        }
        output.Emit(ev);
    }

    static bool IsReserved(object? value) => value switch
    {
        long asn => ReservedRanges.IsReserved(asn),
        string text when IPAddress.TryParse(text, out var ip) => ReservedRanges.IsReserved(ip),
        string text when text.Contains("://", StringComparison.Ordinal) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0 && IsReserved(uri.HostNameType is UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.Host),
        string text => ReservedRanges.IsReserved(text),
        _ => false,
    };

    static string[] Split(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
