namespace IntelMQ.Tests.Cli;

/// <summary><c>intelmq run PROGRAM --self-test</c>: what a program found, and whether it is usable (0), not (1) or misconfigured (2).</summary>
public sealed class SelfTestTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string Write(string name, string text)
    {
        File.WriteAllText(_intelmq.PathOf(name), text);
        return _intelmq.PathOf(name);
    }

    [Fact]
    public void A_program_with_reference_data_reports_the_file_its_entries_and_its_age()
    {
        var table = Write("ipasn.dat", "; IP-ASN32-DAT file\n192.0.2.0/24\t64496\n198.51.100.0/24\t64497\n");
        File.SetLastWriteTimeUtc(table, new DateTime(2024, 4, 29, 10, 0, 0, DateTimeKind.Utc)); // three days before INTELMQ_FAKE_NOW

        var result = _intelmq.Run("", "run", "asn-lookup-expert", "--self-test", "--set", $"database={table}");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains($"asn-lookup-expert: database {table}: 2 prefixes, written 2024-04-29 10:00 UTC (3 days old)", result.Stdout);
        Assert.Contains("asn-lookup-expert: self-test passed.", result.Stdout);
    }

    [Fact]
    public void Reference_data_without_entries_is_not_usable()
    {
        var list = Write("tor_nodes.dat", "# no exit nodes today\n");

        var result = _intelmq.Run("", "run", "tor-nodes-expert", "--self-test", "--set", $"database={list}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("self-test failed", result.Stdout);
        Assert.Contains("holds no exit node addresses", result.Stdout);
    }

    [Fact]
    public void A_configuration_error_exits_with_status_2_as_a_run_would()
    {
        var missing = _intelmq.Run("", "run", "domain-suffix-expert", "--self-test", "--set", "suffix_file=/nonexistent/list.dat");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/nonexistent/list.dat", missing.Stderr);

        var typo = _intelmq.Run("", "run", "tor-nodes-expert", "--self-test", "--set", "databse=/tmp/x");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("Did you mean 'database'?", typo.Stderr);
    }

    [Fact]
    public void A_configured_instance_is_tested_with_its_options()
    {
        var list = Write("tor_nodes.dat", "192.0.2.10\n192.0.2.11\n192.0.2.12\n");
        var config = Directory.CreateDirectory(_intelmq.PathOf("etc/config.d")).FullName;
        File.WriteAllText(Path.Combine(config, "tor.yaml"), $"program: tor-nodes-expert\noptions:\n  database: {list}\n");

        var result = _intelmq.Run("", "run", "tor", "--self-test");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains($"database {list}: 3 exit node addresses", result.Stdout);
    }

    [Fact]
    public void A_program_without_a_self_test_says_its_options_were_accepted()
    {
        var result = _intelmq.Run("", "run", "taxonomy-expert", "--self-test");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("taxonomy-expert: has no self-test; its options were accepted.", result.Stdout);
    }
}
