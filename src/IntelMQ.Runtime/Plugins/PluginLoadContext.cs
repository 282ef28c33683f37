using System.Reflection;
using System.Runtime.Loader;

namespace IntelMQ.Runtime;

/// <summary>
/// The load context of one plugin: its own assemblies and dependencies, isolated from other plugins and from the host's
/// libraries, except IntelMQ.Core, IntelMQ.Contract and what they reference, which are the host's, so that the
/// plugin's events, declarations and interfaces are the very types the runtime uses.
/// </summary>
sealed class PluginLoadContext : AssemblyLoadContext
{
    static readonly HashSet<string> Shared = SharedAssemblies();

    readonly AssemblyDependencyResolver? _resolver;
    readonly string? _directory;
    readonly IReadOnlyDictionary<string, byte[]> _packaged;

    /// <param name="mainAssembly">An assembly on disk: its .deps.json, when there is one, and its folder find its dependencies.</param>
    /// <param name="packaged">The assemblies of a NuGet package's lib folder, by name.</param>
    public PluginLoadContext(string name, string? mainAssembly, IReadOnlyDictionary<string, byte[]>? packaged = null) : base(name)
    {
        if (mainAssembly is not null)
        {
            _resolver = new AssemblyDependencyResolver(mainAssembly);
            _directory = Path.GetDirectoryName(mainAssembly);
        }
        _packaged = packaged ?? new Dictionary<string, byte[]>();
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name is null || Shared.Contains(name.Name)) return null;
        if (_packaged.TryGetValue(name.Name, out var image)) return LoadFromStream(new MemoryStream(image, writable: false));
        var path = _resolver?.ResolveAssemblyToPath(name);
        if (path is null && _directory is not null && File.Exists(Path.Combine(_directory, name.Name + ".dll"))) path = Path.Combine(_directory, name.Name + ".dll");
        // Not the plugin's own: the host's copy (the framework, or a library the host ships).
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    // Core, Contract and every assembly they reference (the logging abstractions of ProgramContext.Log, ...).
    static HashSet<string> SharedAssemblies()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(Core.Event).Assembly, typeof(ProgramAttribute).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!names.Add(assembly.GetName().Name!)) continue;
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || names.Contains(reference.Name)) continue;
                try { pending.Push(Default.LoadFromAssemblyName(reference)); }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException) { names.Add(reference.Name); }
            }
        }
        return names;
    }
}
