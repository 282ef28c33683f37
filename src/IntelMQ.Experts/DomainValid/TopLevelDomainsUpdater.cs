using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.DomainValid;

/// <summary>Downloads IANA's list of top-level domains, checks it, and swaps it in.</summary>
public sealed class TopLevelDomainsUpdater(DomainValidExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("domain-valid-expert", options.Url, DomainValidExpert.ListPath(options, context), file =>
        {
            var tlds = DomainValidExpert.ParseList(File.ReadLines(file), file);
            if (!tlds.Contains("com")) throw new InvalidDataException("it does not list com");
            return $"list of {tlds.Count} top-level domains";
        }, cancellationToken);
}
