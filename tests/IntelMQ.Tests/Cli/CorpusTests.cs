using System.Diagnostics;

namespace IntelMQ.Tests.Cli;

/// <summary>The project's acceptance check: ../shared/tools/run-corpus against our intelmq command.</summary>
public sealed class CorpusTests
{
    [Theory]
    [InlineData("shadowserver-diff")]
    [InlineData("intelmq-tests/parsers/shadowserver")]
    [InlineData("intelmq-tests/parsers/abusech-feodotracker")]
    [InlineData("intelmq-tests/parsers/alienvault")]
    [InlineData("intelmq-tests/parsers/alienvault-otx")]
    [InlineData("intelmq-tests/parsers/anubisnetworks")]
    [InlineData("intelmq-tests/parsers/bambenek")]
    [InlineData("intelmq-tests/parsers/blocklistde")]
    [InlineData("intelmq-tests/parsers/blueliv-crimeserver")]
    [InlineData("intelmq-tests/parsers/calidog-certstream")]
    [InlineData("intelmq-tests/parsers/cert_eu-csv")]
    [InlineData("intelmq-tests/parsers/ci_army")]
    [InlineData("intelmq-tests/parsers/cleanmx")]
    [InlineData("intelmq-tests/parsers/cymru-cap_program")]
    [InlineData("intelmq-tests/parsers/cymru-full_bogons")]
    [InlineData("intelmq-tests/parsers/cznic-haas")]
    [InlineData("intelmq-tests/parsers/cznic-proki")]
    [InlineData("intelmq-tests/parsers/danger_rulez")]
    [InlineData("intelmq-tests/parsers/dataplane")]
    [InlineData("intelmq-tests/parsers/dshield-asn")]
    [InlineData("intelmq-tests/parsers/dshield-block")]
    [InlineData("intelmq-tests/parsers/dyn")]
    [InlineData("intelmq-tests/parsers/eset")]
    [InlineData("intelmq-tests/parsers/fireeye")]
    [InlineData("intelmq-tests/parsers/fraunhofer-dga")]
    [InlineData("intelmq-tests/experts/taxonomy")]
    [InlineData("intelmq-tests/experts/aggregate")]
    [InlineData("intelmq-tests/experts/url")]
    [InlineData("intelmq-tests/experts/url2fqdn")]
    [InlineData("intelmq-tests/experts/sieve")]
    [InlineData("intelmq-tests/experts/modify")]
    [InlineData("intelmq-tests/experts/rfc1918")]
    [InlineData("intelmq-tests/experts/remove_affix")]
    [InlineData("intelmq-tests/experts/truncate_by_delimiter")]
    [InlineData("intelmq-tests/experts/field_reducer")]
    [InlineData("intelmq-tests/experts/format_field")]
    [InlineData("intelmq-tests/parsers/generic-csv")]
    [InlineData("intelmq-tests/parsers/json")]
    [InlineData("intelmq-tests/parsers/key_value")]
    [InlineData("intelmq-tests/parsers/openphish")]
    [InlineData("intelmq-tests/parsers/openphish-commercial")]
    [InlineData("intelmq-tests/parsers/vxvault")]
    [InlineData("intelmq-tests/parsers/malwarepatrol-dansguardian")]
    [InlineData("intelmq-tests/parsers/spamhaus-drop")]
    [InlineData("intelmq-tests/parsers/surbl")]
    [InlineData("intelmq-tests/parsers/turris")]
    [InlineData("intelmq-tests/parsers/zoneh")]
    [InlineData("intelmq-tests/parsers/phishtank")]
    [InlineData("intelmq-tests/parsers/microsoft-bingmurls")]
    [InlineData("intelmq-tests/parsers/hibp-callback")]
    [InlineData("intelmq-tests/parsers/github_feed")]
    [InlineData("intelmq-tests/parsers/spamhaus-cert")]
    [InlineData("intelmq-tests/experts/asn_lookup")]
    [InlineData("intelmq-tests/experts/csv_converter")]
    [InlineData("intelmq-tests/experts/domain_suffix")]
    [InlineData("intelmq-tests/experts/domain_valid")]
    [InlineData("intelmq-tests/experts/recordedfuture_iprisk")]
    [InlineData("intelmq-tests/experts/tor_nodes")]
    [InlineData("intelmq-tests/experts/threshold")]
    [InlineData("intelmq-tests/parsers/html_table")]
    [InlineData("intelmq-tests/parsers/malwareurl")]
    [InlineData("intelmq-tests/parsers/threatminer")]
    [InlineData("intelmq-tests/parsers/mcafee-atd")]
    [InlineData("intelmq-tests/parsers/microsoft-ctip")]
    [InlineData("intelmq-tests/parsers/misp")]
    [InlineData("intelmq-tests/parsers/shodan")]
    [InlineData("intelmq-tests/experts/filter")]
    [InlineData("intelmq-tests/experts/idea")]
    [InlineData("intelmq-tests/experts/jinja")]
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
        // run-corpus skips only fixtures that need state carried over from an earlier run; our own tests cover those.
        Assert.Matches(@"^corpus: \d+ passed, 0 failed, \d+ skipped$", summary);
        Assert.DoesNotMatch(@"^corpus: 0 passed", summary);
        Assert.True(process.ExitCode == 0, stdout + stderr);
    }
}
