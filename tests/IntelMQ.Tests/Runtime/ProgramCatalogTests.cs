using IntelMQ.Runtime;

namespace IntelMQ.Tests.Runtime;

public sealed class ProgramCatalogTests
{
    static readonly System.Reflection.Assembly[] Families =
    [
        typeof(IntelMQ.Collectors.FileCollector).Assembly,
        typeof(IntelMQ.Parsers.Shadowserver.ShadowserverParser).Assembly,
        typeof(IntelMQ.Experts.TaxonomyExpert).Assembly,
        typeof(IntelMQ.Outputs.FileOutput).Assembly,
    ];

    [Fact]
    public void Every_built_in_program_passes_the_declaration_checks()
    {
        var catalog = new ProgramCatalog(Families);

        Assert.Empty(catalog.Problems);
        Assert.Contains(catalog.Programs, p => p.Name == "deduplicator-expert");
    }

    [Fact]
    public void A_missing_plugins_directory_is_no_plugins()
    {
        var catalog = new ProgramCatalog(Families, Path.Combine(Path.GetTempPath(), "no-such-plugins-" + Guid.NewGuid().ToString("N")));

        Assert.Empty(catalog.Problems);
        Assert.Equal(new ProgramCatalog(Families).Programs.Count, catalog.Programs.Count);
    }

    [Fact]
    public void An_unknown_program_names_the_plugins_that_were_not_loaded()
    {
        var plugins = Directory.CreateTempSubdirectory("plugins-");
        try
        {
            File.WriteAllText(Path.Combine(plugins.FullName, "broken.dll"), "not an assembly");
            var catalog = new ProgramCatalog(Families, plugins.FullName);

            var error = Assert.Throws<ConfigurationException>(() => catalog.Resolve("tag-expert"));

            Assert.Contains("broken.dll: not a .NET assembly", error.Message);
            Assert.Contains(catalog.Programs, p => p.Name == "taxonomy-expert");
        }
        finally
        {
            plugins.Delete(recursive: true);
        }
    }
}
