using System.Buffers;
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
    static readonly Dictionary<string, int> DefaultPorts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["http"] = 80, ["https"] = 443, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["ws"] = 80, ["wss"] = 443,
    };
    // Longer plain URLs are left to Uri, which refuses some of the longest.
    const int MaxPlainLength = 2048;
    // Boxed once per port number, filled as ports are met: events are given the same box rather than one each.
    static readonly object?[] Ports = new object?[65536];
    static readonly SearchValues<char> PathCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/");

    readonly bool _overwrite;
    // Each side's fields looked up once, with whether skip_fields names them.
    readonly Side[] _sides;
    readonly Target _protocol, _transport;

    public UrlExpert(UrlExpertOptions options)
    {
        _overwrite = options.Overwrite;
        HashSet<string> skip = [.. options.SkipFields.Select(f => IntelMQFields.Require("url-expert", "skip_fields", f))];
        _sides = [new("source", skip), new("destination", skip)];
        _protocol = new("network.protocol", skip);
        _transport = new("network.transport", skip);
    }

    public void Process(Event ev, IEmitter output)
    {
        foreach (var side in _sides)
            if (ev[side.Url] is string url && !TrySplitPlain(ev, side, url)
                && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
                Split(ev, side, uri);
        output.Emit(ev);
    }

    void Split(Event ev, Side side, Uri uri)
    {
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            Fill(ev, side.Ip, IPAddress.Parse(uri.DnsSafeHost).ToString(), _overwrite);
        else
            Fill(ev, side.Domain, uri.IdnHost, _overwrite);
        if (uri.Port > 0) Fill(ev, side.Port, Port(uri.Port), _overwrite);
        if (uri.AbsolutePath.Length > 0) Fill(ev, side.Path, uri.AbsolutePath, _overwrite);
        if (uri.UserInfo.Length > 0) Fill(ev, side.User, Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]), _overwrite);
        Fill(ev, _protocol, uri.Scheme.ToLowerInvariant(), overwrite: false);
        if (DefaultPorts.ContainsKey(uri.Scheme)) Fill(ev, _transport, "tcp", overwrite: false);
    }

    // Splits the plain http(s) URLs most feeds give (a lower-case host name or a dotted quad, a port, a path of
    // characters Uri keeps as they are) exactly as Split does through Uri, which costs a microsecond and a few
    // hundred bytes per URL; false, leaving the URL to Uri, for anything else.
    bool TrySplitPlain(Event ev, Side side, string url)
    {
        var https = url.StartsWith("https://", StringComparison.Ordinal);
        if (!https && !url.StartsWith("http://", StringComparison.Ordinal) || url.Length > MaxPlainLength) return false;
        var hostStart = https ? 8 : 7;
        var authorityEnd = url.AsSpan(hostStart).IndexOfAny('/', '?', '#') is var a and >= 0 ? hostStart + a : url.Length;
        var pathEnd = url.AsSpan(authorityEnd).IndexOfAny('?', '#') is var p and >= 0 ? authorityEnd + p : url.Length;
        var authority = url.AsSpan(hostStart, authorityEnd - hostStart);
        var colon = authority.IndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = https ? 443 : 80;
        if (colon >= 0 && !TryReadPort(authority[(colon + 1)..], out port)) return false;
        var ip = IPAddressText.TryParseDottedQuad(host, out _);
        if (!ip && !IsPlainHostName(host) || !IsPlainPath(url.AsSpan(authorityEnd, pathEnd - authorityEnd))
            || url.AsSpan(pathEnd).ContainsAnyExceptInRange('!', '~') || url.AsSpan(pathEnd).Contains('\\')) return false;
        Fill(ev, ip ? side.Ip : side.Domain, url.Substring(hostStart, host.Length), _overwrite);
        Fill(ev, side.Port, Port(port), _overwrite);
        Fill(ev, side.Path, pathEnd == authorityEnd ? "/" : url[authorityEnd..pathEnd], _overwrite);
        Fill(ev, _protocol, https ? "https" : "http", overwrite: false);
        Fill(ev, _transport, "tcp", overwrite: false);
        return true;
    }

    // 1-65535 without leading zeros.
    static bool TryReadPort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5 || text[0] == '0') return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    // Lower-case labels of letters, digits and inner hyphens, the last one starting with a letter: a name Uri takes
    // as it is, and never reads as an IPv4 address in one of inet_aton's forms (127.1, 0x7f.1).
    static bool IsPlainHostName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 253) return false;
        var labelStart = 0;
        for (var i = 0; i <= host.Length; i++)
        {
            if (i < host.Length && host[i] != '.')
            {
                if (!(char.IsAsciiLetterLower(host[i]) || char.IsAsciiDigit(host[i]) || host[i] == '-')) return false;
                continue;
            }
            var label = host[labelStart..i];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (i == host.Length) return char.IsAsciiLetterLower(label[0]);
            labelStart = i + 1;
        }
        return false;
    }

    // Characters Uri neither escapes nor unescapes, and no "." or ".." segment, which Uri removes.
    static bool IsPlainPath(ReadOnlySpan<char> path)
    {
        if (path.ContainsAnyExcept(PathCharacters)) return false;
        foreach (var range in path.Split('/'))
            if (path[range] is "." or "..") return false;
        return true;
    }

    static object Port(int port) => Ports[port] ??= (long)port;

    void Fill(Event ev, Target target, object value, bool overwrite)
    {
        if (!target.Skipped) ev.TryAdd(target.Field, value, overwrite);
    }

    readonly record struct Target(FieldHandle Field, bool Skipped)
    {
        public Target(string path, HashSet<string> skip) : this(FieldCatalogue.Default.Handle(path)!, skip.Contains(path)) { }
    }

    sealed class Side(string name, HashSet<string> skip)
    {
        public string Url { get; } = name + ".url.full";
        public Target Ip { get; } = new(name + ".ip", skip);
        public Target Domain { get; } = new(name + ".domain", skip);
        public Target Port { get; } = new(name + ".port", skip);
        public Target Path { get; } = new(name + ".url.path", skip);
        public Target User { get; } = new(name + ".user.name", skip);
    }
}
