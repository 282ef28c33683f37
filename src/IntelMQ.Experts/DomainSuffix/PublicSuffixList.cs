using System.Globalization;
using IntelMQ.Contract;

namespace IntelMQ.Experts.DomainSuffix;

/// <summary>
/// The public suffix list (publicsuffix.org): normal rules, wildcards (<c>*.ck</c>) and exceptions (<c>!www.ck</c>),
/// held in ASCII (punycode) form so that IDN names match in either spelling. A lookup costs one hash probe per label.
/// </summary>
public sealed class PublicSuffixList
{
    static readonly IdnMapping Idn = new();

    readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    readonly HashSet<string> _wildcards = new(StringComparer.Ordinal);
    readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    public int Count => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <exception cref="ConfigurationException">A rule is not a domain name; the message names the file and line.</exception>
    public static PublicSuffixList Parse(IEnumerable<string> lines, string source)
    {
        var list = new PublicSuffixList();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            // A rule ends at the first white space; the rest of the line is ignored.
            var end = line.IndexOfAny([' ', '\t']);
            if (end > 0) line = line[..end];
            var target = list._rules;
            if (line.StartsWith('!')) (target, line) = (list._exceptions, line[1..]);
            else if (line.StartsWith("*.", StringComparison.Ordinal)) (target, line) = (list._wildcards, line[2..]);
            target.Add(ToAscii(line) ?? throw new ConfigurationException($"{source}, line {number}: '{raw.Trim()}' is not a domain rule."));
        }
        if (list.Count == 0) throw new ConfigurationException($"{source}: no rules; is this the public suffix list?");
        return list;
    }

    /// <summary>The public suffix of a host name in ASCII form (<c>co.uk</c> for <c>www.example.co.uk</c>), or null when it is not a name.</summary>
    public string? SuffixOf(string name)
    {
        var ascii = ToAscii(name.TrimEnd('.'));
        if (ascii is null) return null;
        var rules = _rules.GetAlternateLookup<ReadOnlySpan<char>>();
        var wildcards = _wildcards.GetAlternateLookup<ReadOnlySpan<char>>();
        var exceptions = _exceptions.GetAlternateLookup<ReadOnlySpan<char>>();
        // From the longest candidate (the whole name) to the shortest (its last label), so the first match is the
        // prevailing rule; an exception is always longer than the wildcard it cuts out, so it is met first. Candidates
        // are looked up as spans of the name: only the answer becomes a string.
        var (start, previous) = (0, -1);
        while (true)
        {
            var candidate = ascii.AsSpan(start);
            var next = ascii.IndexOf('.', start);
            if (exceptions.Contains(candidate)) return next >= 0 ? ascii[(next + 1)..] : ascii[start..];
            if (rules.Contains(candidate)) return ascii[start..];
            if (previous >= 0 && wildcards.Contains(candidate)) return ascii[previous..];
            if (next < 0) break;
            (previous, start) = (start, next + 1);
        }
        // No rule: the default rule '*' makes the last label the suffix.
        return ascii[(ascii.LastIndexOf('.') + 1)..];
    }

    /// <summary>The registered domain: the public suffix and one label more (<c>example.co.uk</c>), or null when the name is a suffix itself.</summary>
    public string? RegisteredDomainOf(string name)
    {
        var suffix = SuffixOf(name);
        var ascii = ToAscii(name.TrimEnd('.'));
        if (suffix is null || ascii is null || ascii.Length <= suffix.Length) return null;
        var head = ascii[..(ascii.Length - suffix.Length - 1)];
        return string.Concat(head[(head.LastIndexOf('.') + 1)..], ".", suffix);
    }

    static string? ToAscii(string name)
    {
        if (name.Length == 0) return null;
        try
        {
            return Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
