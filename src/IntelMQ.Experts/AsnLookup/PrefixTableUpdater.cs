using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.AsnLookup;

/// <summary>Downloads a prefix table in ipasn text format, checks that it parses, and swaps it in.</summary>
public sealed class PrefixTableUpdater(AsnLookupExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken)
    {
        if (options.DatabaseUrl.Length == 0)
            throw new ConfigurationException("asn-lookup-expert: option 'database_url' is empty: give the URL of an ipasn text file to update from.");
        return ReferenceFile.ReplaceAsync("asn-lookup-expert", options.DatabaseUrl, AsnLookupExpert.DatabasePath(options, context),
            file => $"prefix table ({PrefixTable.Parse(File.ReadLines(file), file).Count} prefixes)", cancellationToken);
    }
}
