using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary>The programs this build ships.</summary>
public static class Programs
{
    public static ProgramCatalog Catalog { get; } = new([
        typeof(Collectors.FileCollector).Assembly,
        typeof(Parsers.Shadowserver.ShadowserverParser).Assembly,
        typeof(Experts.TaxonomyExpert).Assembly,
        typeof(Outputs.FileOutput).Assembly,
    ]);
}
