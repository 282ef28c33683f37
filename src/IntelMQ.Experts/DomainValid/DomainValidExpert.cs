using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.DomainValid;

/// <summary>Drops events whose domain name is not a valid name under a delegated top-level domain, as IntelMQ's domain_valid expert does.</summary>
[Program("domain-valid-expert", ProgramKind.Expert, "Drops events whose domain is syntactically invalid or under a top-level domain IANA does not list.",
    Modules = ["intelmq.bots.experts.domain_valid.expert"],
    Options = typeof(DomainValidExpertOptions),
    ReferenceData = typeof(TopLevelDomainsUpdater),
    Description = """
        Checks the name in domain_field: each label 1 to 63 letters, digits or hyphens, not starting or ending with
        a hyphen, at most 253 characters in all, and its last label in IANA's list of top-level domains (read once
        at start; `--self-update-db` refreshes it). An event with a valid name passes unchanged; one with an invalid
        name is dropped with the reason (counted; to drop_path when one is set). An event without the field passes.
        """,
    FieldsRead = ["source.domain"],
    Examples = ["intelmq run domain-valid-expert --set tlds_domains_list=/var/lib/intelmq/tlds-alpha-by-domain.txt < events.jsonl"])]
public sealed class DomainValidExpert : IExpert
{
    public const string FileName = "tlds-alpha-by-domain.txt";
    static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    readonly string _field;
    readonly HashSet<string> _tlds;

    public DomainValidExpert(DomainValidExpertOptions options, ProgramContext context)
    {
        _field = IntelMQFields.Require("domain-valid-expert", "domain_field", options.DomainField);
        var path = ListPath(options, context);
        _tlds = ParseList(TextFile.ReadLines("domain-valid-expert", "tlds_domains_list", path), path!);
    }

    public void Process(Event ev, IEmitter output)
    {
        if (ev[_field] is not string name)
        {
            output.Emit(ev);
            return;
        }
        var problem = Check(name);
        if (problem is null) output.Emit(ev);
        else output.Drop(ev, $"{_field} '{name}' {problem}");
    }

    string? Check(string name)
    {
        string ascii;
        try
        {
            ascii = Idn.GetAscii(name.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return "is not a valid domain name";
        }
        if (ascii.Length > 253) return "is longer than 253 characters";
        var labels = ascii.Split('.');
        if (labels.Length < 2) return "has no top-level domain";
        foreach (var label in labels)
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return $"has an invalid label '{label}'";
        return _tlds.Contains(labels[^1]) ? null : $"is under '{labels[^1]}', which is not a top-level domain";
    }

    internal static HashSet<string> ParseList(IEnumerable<string> lines, string source)
    {
        var tlds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.Contains('.') || line.Contains(' '))
                throw new ConfigurationException($"{source}, line {number}: '{line}' is not a top-level domain.");
            tlds.Add(line);
        }
        if (tlds.Count == 0) throw new ConfigurationException($"{source}: no top-level domains; is this IANA's tlds-alpha-by-domain.txt?");
        return tlds;
    }

    internal static string? ListPath(DomainValidExpertOptions options, ProgramContext context) =>
        options.TldsDomainsList.Length > 0 ? options.TldsDomainsList
        : context.DataDirectory is { } dir ? Path.Combine(dir, FileName) : null;
}
