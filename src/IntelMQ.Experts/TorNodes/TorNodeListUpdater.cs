using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.TorNodes;

/// <summary>Downloads the list of Tor exit nodes, checks it holds addresses, and swaps it in.</summary>
public sealed class TorNodeListUpdater(TorNodesExpertOptions options, ProgramContext context) : IReferenceData
{
    public ValueTask<string> UpdateAsync(CancellationToken cancellationToken) =>
        ReferenceFile.ReplaceAsync("tor-nodes-expert", options.DatabaseUrl, TorNodesExpert.DatabasePath(options, context), file =>
        {
            var nodes = TorNodesExpert.ParseList(File.ReadLines(file), file);
            return nodes.Count > 0 ? $"list of {nodes.Count} Tor exit nodes" : throw new InvalidDataException("it holds no addresses");
        }, cancellationToken);
}
