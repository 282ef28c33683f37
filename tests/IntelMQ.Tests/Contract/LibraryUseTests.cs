using IntelMQ.Experts;
using IntelMQ.Parsers.Shadowserver;

namespace IntelMQ.Tests.Contract;

/// <summary>The library example of docs/components.md, on the bundled sample with its two bad rows.</summary>
public sealed class LibraryUseTests
{
    [Fact]
    public void The_documented_library_use_parses_the_sample_and_reports_the_bad_rows()
    {
        var errors = new List<string>();
        var parser = new ShadowserverParser(new() { FileName = "2024-05-01-scan_smb-geo.csv" });
        using var csv = File.OpenRead(Path.Combine(Paths.Repo, "examples", "shadowserver", "2024-05-01-scan_smb-geo.csv"));
        var events = parser.Parse(csv, onRowError: (position, row, error) => errors.Add($"{position}: {error.Message}")).ToList();
        foreach (var ev in events) TaxonomyExpert.Classify(ev);
        Assert.Equal(12, events.Count);
        Assert.All(events, e => Assert.Equal("vulnerable", e["classification.taxonomy"]));
        Assert.Equal(2, errors.Count);
        Assert.Contains("parser.Parse(csv, onRowError: (position, row, error) =>", File.ReadAllText(Path.Combine(Paths.Repo, "docs", "components.md")));
    }
}
