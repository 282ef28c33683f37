using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary>The programs this build ships, and those of the plugins directory (docs/plugins.md).</summary>
public static class Programs
{
    static readonly Lazy<ProgramCatalog> Loaded = new(() => new([
        typeof(Collectors.FileCollector).Assembly,
        typeof(Parsers.Shadowserver.ShadowserverParser).Assembly,
        typeof(Experts.TaxonomyExpert).Assembly,
        typeof(Outputs.FileOutput).Assembly,
    ], Installation.PluginDirectory));

    public static ProgramCatalog Catalog => Loaded.Value;
}
