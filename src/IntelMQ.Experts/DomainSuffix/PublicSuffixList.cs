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

    // Each name with the kinds of rule it has (a name can be a rule and a wildcard's base both): one probe per label.
    readonly Dictionary<string, Kinds> _rules = new(StringComparer.Ordinal);
    int _count;

    [Flags]
    enum Kinds : byte { Rule = 1, Wildcard = 2, Exception = 4 }

    public int Count => _count;

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
            var kind = Kinds.Rule;
            if (line.StartsWith('!')) (kind, line) = (Kinds.Exception, line[1..]);
            else if (line.StartsWith("*.", StringComparison.Ordinal)) (kind, line) = (Kinds.Wildcard, line[2..]);
            var name = ToAscii(line) ?? throw new ConfigurationException($"{source}, line {number}: '{raw.Trim()}' is not a domain rule.");
            var kinds = list._rules.GetValueOrDefault(name);
            if ((kinds & kind) != 0) continue;
            list._rules[name] = kinds | kind;
            list._count++;
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
        // From the longest candidate (the whole name) to the shortest (its last label), so the first match is the
        // prevailing rule; an exception is always longer than the wildcard it cuts out, so it is met first. Candidates
        // are looked up as spans of the name, and a rule's answer is the list's own string: only other answers are made.
        var (start, previous) = (0, -1);
        while (true)
        {
            var next = ascii.IndexOf('.', start);
            if (rules.TryGetValue(ascii.AsSpan(start), out var rule, out var kinds))
            {
                if ((kinds & Kinds.Exception) != 0) return next >= 0 ? ascii[(next + 1)..] : rule;
                if ((kinds & Kinds.Rule) != 0) return rule;
                if (previous >= 0 && (kinds & Kinds.Wildcard) != 0) return ascii[previous..];
            }
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
        if (IsLowerCaseAscii(name)) return name;
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

    // A name as events hold it (lower-case ASCII labels of 1-63 characters, at most 253 in all), which IDNA and
    // lower-casing would return as it is: spared both.
    static bool IsLowerCaseAscii(string name)
    {
        if (name.Length is 0 or > 253) return false;
        var label = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (label == 0) return false;
                label = 0;
            }
            else if ((char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_') && ++label <= 63) continue;
            else return false;
        }
        return label > 0;
    }
}
