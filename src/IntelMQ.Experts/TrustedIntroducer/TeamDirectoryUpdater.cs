using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.TrustedIntroducer;

/// <summary>Downloads Trusted Introducer's team directory, checks it lists teams with contacts, and swaps it in.</summary>
public sealed class TeamDirectoryUpdater(TrustedIntroducerExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("trusted-introducer-expert", options.DatabaseUrl, TrustedIntroducerExpert.DatabasePath(options, context), file =>
        {
            var teams = TeamDirectory.Read(file);
            var reachable = teams.Count(t => t.Contact is not null);
            return reachable > 0 ? $"team directory of {teams.Count} teams ({reachable} with a contact address)"
                : throw new InvalidDataException("it lists no team with a contact address");
        }, cancellationToken);
}
