using System.IO.Compression;
using System.Reflection;

namespace IntelMQ.Runtime;

/// <summary>
/// Loads the plugins dropped into a directory, each in its own <see cref="PluginLoadContext"/>: an assembly
/// (<c>NAME.dll</c>), a folder holding <c>NAME/NAME.dll</c> with its dependencies (what <c>dotnet publish</c> makes), or
/// a NuGet package (<c>NAME.nupkg</c>, the assemblies of its <c>lib/</c> folder for the newest framework this runtime
/// runs). One that cannot be loaded is reported with the reason; the others load.
/// </summary>
public static class PluginLoader
{
    public static List<Plugin> Load(string directory, List<CatalogProblem> problems)
    {
        var plugins = new List<Plugin>();
        if (!Directory.Exists(directory)) return plugins;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            try
            {
                if (Directory.Exists(entry)) plugins.Add(FromFolder(entry));
                else if (entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) plugins.Add(FromAssembly(entry, entry));
                else if (entry.EndsWith(".nupkg", StringComparison.OrdinalIgnoreCase)) plugins.Add(FromPackage(entry));
            }
            catch (BadImageFormatException ex)
            {
                problems.Add(new(entry, $"not a .NET assembly ({ex.Message}); not loaded."));
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or PluginException)
            {
                problems.Add(new(entry, $"{ex.Message}; not loaded."));
            }
        }
        return plugins;
    }

    static Plugin FromAssembly(string file, string path)
    {
        var context = new PluginLoadContext(Path.GetFileNameWithoutExtension(path), path);
        return new Plugin(file, [context.LoadFromAssemblyPath(Path.GetFullPath(path))]);
    }

    static Plugin FromFolder(string folder)
    {
        var main = Path.Combine(folder, Path.GetFileName(folder) + ".dll");
        if (!File.Exists(main))
            throw new PluginException($"holds no {Path.GetFileName(main)}: a plugin folder holds the assembly named after the folder, with its dependencies beside it");
        return FromAssembly(folder, main);
    }

    static Plugin FromPackage(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var frameworks = zip.Entries.Where(e => e.FullName.StartsWith("lib/", StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .GroupBy(e => e.FullName.Split('/')[1]).ToDictionary(g => g.Key, g => g.ToList());
        var chosen = frameworks.Keys.Select(f => (Folder: f, Rank: Rank(f))).Where(f => f.Rank is not null).MaxBy(f => f.Rank);
        if (chosen.Folder is null)
            throw new PluginException($"has no assemblies this runtime can load under lib/ (found: {(frameworks.Count == 0 ? "none" : string.Join(", ", frameworks.Keys))}); "
                                      + $"build it for net{Environment.Version.Major}.0 or lower");
        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in frameworks[chosen.Folder])
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            images[Path.GetFileNameWithoutExtension(entry.Name)] = copy.ToArray();
        }
        var context = new PluginLoadContext(Path.GetFileNameWithoutExtension(package), null, images);
        return new Plugin(package, [.. images.Keys.Order(StringComparer.Ordinal).Select(name => context.LoadFromAssemblyName(new AssemblyName(name)))]);
    }

    // netX.Y up to this runtime's version before any netstandard; other frameworks (net48, a newer .NET) are not loadable.
    static (int, Version)? Rank(string framework)
    {
        if (framework.StartsWith("netstandard", StringComparison.Ordinal) && Version.TryParse(framework["netstandard".Length..], out var standard))
            return (0, standard);
        var core = framework.StartsWith("netcoreapp", StringComparison.Ordinal) ? framework["netcoreapp".Length..]
            : framework.StartsWith("net", StringComparison.Ordinal) ? framework[3..].Split('-')[0] : null;
        return core is not null && Version.TryParse(core, out var version) && version.Major >= 2 && version.Major <= Environment.Version.Major ? (1, version) : null;
    }

    sealed class PluginException(string message) : Exception(message);
}
