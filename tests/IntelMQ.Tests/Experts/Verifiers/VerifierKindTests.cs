using System.Text.Json.Nodes;

namespace IntelMQ.Tests.Experts.Verifiers;

/// <summary>Verifiers are their own kind of program, hosted as asynchronous experts are.</summary>
public sealed class VerifierKindTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly DnsmasqServer _dns = new(["local=/example/", "address=/online.example/192.0.2.1"]);

    public void Dispose()
    {
        _dns.Dispose();
        _intelmq.Dispose();
    }

    [Fact]
    public void The_verifiers_are_listed_as_verifiers()
    {
        var list = _intelmq.Run("", "list");

        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"(?m)^domain-online-verifier\s+verifier\s", list.Stdout);
        Assert.Matches(@"(?m)^page-content-verifier\s+verifier\s", list.Stdout);
    }

    [Fact]
    public void A_verifier_runs_under_intelmq_run_and_adds_its_verdict()
    {
        var input = """
            {"__type": "Event", "source.fqdn": "www.online.example", "classification.type": "phishing"}
            {"__type": "Event", "source.fqdn": "gone.example", "classification.type": "phishing"}

            """;

        var run = _intelmq.Run(input, "run", "domain-online-verifier", "--out-format", "ndjson", "--set", $"name_servers=[\"{_dns.Required().EndPoint}\"]", "--set", "timeout=2");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var results = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (string?)JsonNode.Parse(l)!["custom"]!["verification.domain.result"]).ToList();
        Assert.Equal(["online", "offline"], results);
    }
}
