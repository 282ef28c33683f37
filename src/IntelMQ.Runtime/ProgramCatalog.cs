using System.Reflection;

namespace IntelMQ.Runtime;

/// <summary>The programs found in the given assemblies, addressable by our name or by the IntelMQ module they replace.</summary>
public sealed class ProgramCatalog(IEnumerable<Assembly> assemblies)
{
    public IReadOnlyList<ProgramInfo> Programs { get; } = assemblies
        .SelectMany(a => a.GetTypes())
        .Where(t => t.GetCustomAttribute<ProgramAttribute>() is not null)
        .Select(t => new ProgramInfo(t))
        .OrderBy(p => p.Kind).ThenBy(p => p.Name, StringComparer.Ordinal)
        .ToList();

    /// <exception cref="ConfigurationException">No program has that name or module.</exception>
    public ProgramInfo Resolve(string name)
    {
        var found = Programs.FirstOrDefault(p => p.Name == name || p.Declaration.Modules.Contains(name));
        if (found is not null) return found;
        var hint = OptionBinder.Suggest(name, Programs.SelectMany(p => p.Declaration.Modules.Prepend(p.Name)));
        throw new ConfigurationException($"unknown program '{name}'." + (hint is null ? "" : $" Did you mean '{hint}'?") + " `intelmq list` shows every program.");
    }
}
