using System.Diagnostics;

namespace IntelMQ.Tests.Cli;

/// <summary>The project's acceptance check: ../shared/tools/run-corpus against our intelmq command.</summary>
public sealed class CorpusTests
{
    [Theory]
    [InlineData("shadowserver-diff")]
    [InlineData("intelmq-tests/parsers/shadowserver")]
    [InlineData("intelmq-tests/experts/taxonomy")]
    [InlineData("intelmq-tests/experts/asn_lookup")]
    [InlineData("intelmq-tests/experts/csv_converter")]
    [InlineData("intelmq-tests/experts/domain_suffix")]
    [InlineData("intelmq-tests/experts/domain_valid")]
    [InlineData("intelmq-tests/experts/recordedfuture_iprisk")]
    [InlineData("intelmq-tests/experts/tor_nodes")]
    [InlineData("intelmq-tests/experts/threshold")]
    public async Task Conformance_fixtures_pass(string folder)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/python3") || File.Exists("/usr/local/bin/python3") || Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, "python3"))),
            "python3 is not installed: ../shared/tools/run-corpus needs it (.ci/run installs it).");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Paths.Shared, "tools", "run-corpus"));
        start.ArgumentList.Add("--cmd");
        start.ArgumentList.Add($"dotnet {Paths.IntelMQDll}");
        start.ArgumentList.Add(Path.Combine(Paths.Corpus, folder));
        start.Environment["INTELMQ_HOME"] = Directory.CreateTempSubdirectory("corpus-home-").FullName;
        using var process = Process.Start(start)!;
        var token = TestContext.Current.CancellationToken;
        var stderrTask = process.StandardError.ReadToEndAsync(token);
        var stdout = await process.StandardOutput.ReadToEndAsync(token);
        var stderr = await stderrTask;
        await process.WaitForExitAsync(token);
        var lines = stdout.TrimEnd().Split('\n');
        var summary = lines[^1];
        Assert.Matches(@"^corpus: \d+ passed, 0 failed, 0 skipped$", summary);
        Assert.DoesNotMatch(@"^corpus: 0 passed", summary);
        Assert.True(process.ExitCode == 0, stdout + stderr);
    }
}
