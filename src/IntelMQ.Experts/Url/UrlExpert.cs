using System.Net;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Url;

/// <summary>Splits source.url and destination.url into host, port, path and account, as IntelMQ's url expert does.</summary>
[Program("url-expert", ProgramKind.Expert, "Fills host name or IP, port, path, account and protocol from source.url and destination.url.",
    Modules = ["intelmq.bots.experts.url.expert"],
    Options = typeof(UrlExpertOptions),
    Description = """
        For each side with a URL: the host goes to fqdn (or ip when it is an address), the port (explicit, or the
        scheme's default) to port, the path to urlpath and the user of user@host to account. protocol.application
        gets the scheme and protocol.transport 'tcp' for the schemes that run over TCP, only when the event has none.
        Fields already set are kept unless overwrite=true; skip_fields names fields never to fill. A URL that does
        not parse leaves the event unchanged.
        """,
    FieldsRead = ["source.url.full", "destination.url.full"],
    FieldsWritten = ["source.domain", "source.ip", "source.port", "source.url.path", "source.user.name",
        "destination.domain", "destination.ip", "destination.port", "destination.url.path", "destination.user.name",
        "network.protocol", "network.transport"],
    Examples = ["intelmq run url-expert --set overwrite=true < events.jsonl"])]
public sealed class UrlExpert : IExpert
{
    // Each side's paths made once, not concatenated again for every event.
    static readonly Side[] Sides = [new("source"), new("destination")];
    static readonly Dictionary<string, int> DefaultPorts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["http"] = 80, ["https"] = 443, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["ws"] = 80, ["wss"] = 443,
    };

    readonly bool _overwrite;
    readonly HashSet<string> _skip;

    public UrlExpert(UrlExpertOptions options)
    {
        _overwrite = options.Overwrite;
        _skip = [.. options.SkipFields.Select(f => IntelMQFields.Require("url-expert", "skip_fields", f))];
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in Sides)
            if (ev[side.Url] is string url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
                Split(ev, side, uri);
        output.Emit(ev);
    }

    void Split(Event ev, Side side, Uri uri)
    {
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            Fill(ev, side.Ip, IPAddress.Parse(uri.DnsSafeHost).ToString(), _overwrite);
        else
            Fill(ev, side.Domain, uri.IdnHost, _overwrite);
        if (uri.Port > 0) Fill(ev, side.Port, (long)uri.Port, _overwrite);
        if (uri.AbsolutePath.Length > 0) Fill(ev, side.Path, uri.AbsolutePath, _overwrite);
        if (uri.UserInfo.Length > 0) Fill(ev, side.User, Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]), _overwrite);
        Fill(ev, "network.protocol", uri.Scheme.ToLowerInvariant(), overwrite: false);
        if (DefaultPorts.ContainsKey(uri.Scheme)) Fill(ev, "network.transport", "tcp", overwrite: false);
    }

    void Fill(Event ev, string path, object value, bool overwrite)
    {
        if (!_skip.Contains(path)) ev.TryAdd(path, value, overwrite);
    }

    sealed class Side(string name)
    {
        public string Url { get; } = name + ".url.full";
        public string Ip { get; } = name + ".ip";
        public string Domain { get; } = name + ".domain";
        public string Port { get; } = name + ".port";
        public string Path { get; } = name + ".url.path";
        public string User { get; } = name + ".user.name";
    }
}
