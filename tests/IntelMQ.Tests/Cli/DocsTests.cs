using IntelMQ.Cli;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Cli;

/// <summary>The man pages under docs/programs are generated from the program declarations and must not drift.</summary>
public sealed class DocsTests
{
    public static TheoryData<string> ProgramNames => [.. Programs.Catalog.Programs.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public void Every_program_has_its_man_page(string name)
    {
        var file = Path.Combine(Paths.Repo, "docs", "programs", name + ".md");
        var page = ManPage.Render(Programs.Catalog.Resolve(name));
        if (Paths.Regenerate) File.WriteAllText(file, page);
        Assert.True(File.Exists(file) && File.ReadAllText(file) == page,
            $"docs/programs/{name}.md is out of date; run: INTELMQ_REGENERATE=1 dotnet test --filter man_page");
    }

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public void Every_option_row_of_a_man_page_has_four_cells(string name)
    {
        var page = ManPage.Render(Programs.Catalog.Resolve(name));
        foreach (var row in page.Split('\n').SkipWhile(l => !l.StartsWith("| option |", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith('|')))
            Assert.Equal(5, System.Text.RegularExpressions.Regex.Count(row, @"(?<!\\)\|"));
    }
}
