using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Rdap;

/// <summary>Downloads IANA's RDAP bootstrap file for domains, checks it lists servers, and swaps it in.</summary>
public sealed class RdapBootstrapUpdater(RdapExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("rdap-expert", options.BootstrapUrl, RdapExpert.BootstrapPath(options, context), file =>
        {
            var servers = RdapBootstrap.Read(file);
            return servers.Count > 0 ? $"RDAP bootstrap file of {servers.Count} domain suffixes" : throw new InvalidDataException("it lists no servers");
        }, cancellationToken);
}
