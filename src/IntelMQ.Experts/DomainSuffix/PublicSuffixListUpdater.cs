using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.DomainSuffix;

/// <summary>Downloads the public suffix list, checks that it parses and holds the usual rules, and swaps it in.</summary>
public sealed class PublicSuffixListUpdater(DomainSuffixExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("domain-suffix-expert", options.Url, DomainSuffixExpert.ListPath(options, context), file =>
        {
            var list = PublicSuffixList.Parse(File.ReadLines(file), file);
            if (list.SuffixOf("example.co.uk") != "co.uk") throw new InvalidDataException("it does not list co.uk");
            return $"public suffix list ({list.Count} rules)";
        }, cancellationToken);
}
