using System.Reflection;
using System.Text.RegularExpressions;

namespace IntelMQ.Runtime;

/// <summary>
/// The programs found in the given assemblies and in the plugins directory, addressable by our name or by the IntelMQ
/// module they replace. Every declaration is checked; one that fails a check, or takes a name or module another program
/// has, is left out and reported in <see cref="Problems"/> with its file and the reason.
/// </summary>
public sealed partial class ProgramCatalog
{
    readonly List<ProgramInfo> _programs = [];
    readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    readonly List<CatalogProblem> _problems = [];

    /// <param name="assemblies">The program families this build ships; their programs come first.</param>
    /// <param name="pluginDirectory">Where plugins are dropped (docs/plugins.md); null, or a directory that does not exist: none.</param>
    public ProgramCatalog(IEnumerable<Assembly> assemblies, string? pluginDirectory = null)
    {
        foreach (var assembly in assemblies) Add(assembly.Location, [assembly], plugin: false);
        if (pluginDirectory is not null)
            foreach (var plugin in PluginLoader.Load(pluginDirectory, _problems)) Add(plugin.File, plugin.Assemblies, plugin: true);
        Programs = [.. _programs.OrderBy(p => p.Kind).ThenBy(p => p.Name, StringComparer.Ordinal)];
    }

    public IReadOnlyList<ProgramInfo> Programs { get; }

    /// <summary>Programs and plugins left out, with the file and the reason.</summary>
    public IReadOnlyList<CatalogProblem> Problems => _problems;

    /// <exception cref="ConfigurationException">No program has that name or module.</exception>
    public ProgramInfo Resolve(string name)
    {
        var found = Programs.FirstOrDefault(p => p.Name == name || p.Declaration.Modules.Contains(name));
        if (found is not null) return found;
        var hint = OptionBinder.Suggest(name, Programs.SelectMany(p => p.Declaration.Modules.Prepend(p.Name)));
        throw new ConfigurationException($"unknown program '{name}'." + (hint is null ? "" : $" Did you mean '{hint}'?") + " `intelmq list` shows every program."
                                         + (_problems.Count == 0 ? "" : " Not loaded: " + string.Join("; ", _problems) + "."));
    }

    void Add(string file, IReadOnlyList<Assembly> assemblies, bool plugin)
    {
        var declared = 0;
        foreach (var assembly in assemblies)
        {
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                var cause = ex.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? ex.Message;
                _problems.Add(new(file, $"the types of {assembly.GetName().Name} cannot be loaded ({cause}); is a dependency missing?"));
                continue;
            }
            foreach (var type in types)
            {
                ProgramAttribute? declaration;
                try { declaration = type.GetCustomAttribute<ProgramAttribute>(); }
                catch (Exception ex) when (ex is CustomAttributeFormatException or TypeLoadException or FileNotFoundException or FileLoadException)
                {
                    _problems.Add(new(file, $"{type.FullName}: its declaration cannot be read: {ex.Message}"));
                    continue;
                }
                if (declaration is null) continue;
                declared++;
                if (Check(type, declaration) is { } reason)
                {
                    _problems.Add(new(file, $"{type.FullName} ({declaration.Name}): {reason}; left out."));
                    continue;
                }
                if (declaration.Modules.Prepend(declaration.Name).FirstOrDefault(_owners.ContainsKey) is { } taken)
                {
                    _problems.Add(new(file, $"{type.FullName}: '{taken}' is already the name or a module of {_owners[taken]}; left out (rename it, or remove one of the two)."));
                    continue;
                }
                var program = new ProgramInfo(type);
                foreach (var key in declaration.Modules.Prepend(declaration.Name)) _owners[key] = $"{declaration.Name} ({file})";
                _programs.Add(program);
            }
        }
        if (plugin && declared == 0) _problems.Add(new(file, "declares no program (no class with a [Program] declaration); not loaded."));
    }

    /// <summary>What the runtime relies on in a declaration; null when it holds.</summary>
    static string? Check(Type type, ProgramAttribute declaration)
    {
        if (!ProgramName().IsMatch(declaration.Name)) return $"the name '{declaration.Name}' must be lower-case words joined by '-' (e.g. tag-expert)";
        if (!type.IsClass || type.IsAbstract || !type.IsVisible) return "a program must be a public, non-abstract class";
        Type[] forms = declaration.Kind switch
        {
            ProgramKind.Collector => [typeof(ICollector)],
            ProgramKind.Parser => [typeof(IParser), typeof(IStreamParser)],
            ProgramKind.Expert or ProgramKind.Verifier => [typeof(IExpert), typeof(IAsyncExpert)],
            ProgramKind.Output => [typeof(IOutput)],
            _ => [],
        };
        if (!forms.Any(f => f.IsAssignableFrom(type)))
            return $"it is declared {declaration.Kind.ToString().ToLowerInvariant()} but implements none of {string.Join(", ", forms.Select(f => f.Name))}";
        if (declaration.Options is { } options)
        {
            if (options.GetConstructor(Type.EmptyTypes) is null) return $"its options type {options.Name} has no public parameterless constructor";
            try { OptionInfo.Of(options); }
            catch (Exception ex) when (ex is TargetInvocationException or MissingMethodException or InvalidOperationException)
            {
                return $"its options type {options.Name} cannot be read: {(ex.InnerException ?? ex).Message}";
            }
        }
        Type?[][] constructors = [[declaration.Options, typeof(ProgramContext)], [declaration.Options], [typeof(ProgramContext)], []];
        if (declaration.Options is null ? type.GetConstructors().Length == 0
            : !constructors.Any(c => c.All(t => t is not null) && type.GetConstructor([.. c.Select(t => t!)]) is not null))
            return "it has no public constructor taking (options, ProgramContext), (options), (ProgramContext) or nothing";
        if (declaration.ReferenceData is { } data && !typeof(IReferenceData).IsAssignableFrom(data))
            return $"its ReferenceData type {data.Name} does not implement IReferenceData";
        return null;
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ProgramName();
}
