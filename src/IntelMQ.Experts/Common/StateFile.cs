using IntelMQ.Contract;

namespace IntelMQ.Experts.Common;

/// <summary>
/// A state file that one process keeps (the deduplicator's marks, the threshold's counts, the aggregate's groups): it
/// is rewritten in place, and what another process appended or renamed there meanwhile would be lost, so a second
/// process of the instance is refused, with the fix.
/// </summary>
static class StateFile
{
    /// <summary>Holds <c>PATH.lock</c> until disposed.</summary>
    /// <param name="fix">What to do instead, for the message (<c>give store=redis to share the marks</c>).</param>
    /// <exception cref="ConfigurationException">The run has several processes, or another process holds the file.</exception>
    public static IDisposable Claim(string program, string path, ProgramContext context, string fix)
    {
        if (context.Processes > 1)
            throw new ConfigurationException($"{program}: --processes {context.Processes}: the state in {path} serves one process; {fix}.");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return AppendOnlyFile.TryLockExclusive(path + ".lock")
                ?? throw new ConfigurationException($"{program}: {path} is in use by another process of the instance {context.Id} (a daemon, or a run beside it): "
                                                    + $"stop it, give this run another --id, or {fix}.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{program}: cannot use the state file {path}: {ex.Message}");
        }
    }
}
