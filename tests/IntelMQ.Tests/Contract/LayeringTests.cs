using System.Reflection;

namespace IntelMQ.Tests.Contract;

/// <summary>"Librarize everything": the program families reference only Core and the contract (plus their own libraries).</summary>
public sealed class LayeringTests
{
    public static TheoryData<string> Families() => new(
        typeof(global::IntelMQ.Parsers.Shadowserver.ShadowserverParser).Assembly.GetName().Name!,
        typeof(Experts.TaxonomyExpert).Assembly.GetName().Name!,
        typeof(Outputs.FileOutput).Assembly.GetName().Name!,
        typeof(ProgramAttribute).Assembly.GetName().Name!);

    [Theory]
    [MemberData(nameof(Families))]
    public void A_family_references_neither_runtime_channels_cli_nor_yaml(string family)
    {
        var references = Assembly.Load(family).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, r => r is "IntelMQ.Runtime" or "IntelMQ.Channels" or "intelmq" or "YamlDotNet" or "System.CommandLine");
        Assert.Contains("IntelMQ.Core", references);
    }
}
