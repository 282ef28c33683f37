namespace IntelMQ.Tests.Cli;

/// <summary>Where the state goes for a service account: never a path relative to the current directory.</summary>
public sealed class InstallationTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("/nonexistent")] // nobody's home
    public void Without_a_usable_home_the_state_is_in_var_lib_or_the_operator_is_told_to_set_INTELMQ_HOME(string? home)
    {
        _intelmq.Environment["INTELMQ_HOME"] = null;
        _intelmq.Environment["XDG_STATE_HOME"] = null;
        _intelmq.Environment["HOME"] = home;
        var list = _intelmq.Run("", "dump", "list");
        if (list.ExitCode == 0) Assert.Equal("no dumps in /var/lib/intelmq/dump", list.Stdout.Trim());
        else
        {
            Assert.Equal(2, list.ExitCode);
            Assert.Contains("Set INTELMQ_HOME", list.Stderr);
        }
    }

    [Fact]
    public void A_usable_home_keeps_the_state_under_local_state()
    {
        _intelmq.Environment["INTELMQ_HOME"] = null;
        _intelmq.Environment["XDG_STATE_HOME"] = null;
        _intelmq.Environment["HOME"] = _intelmq.Home;
        Assert.Equal($"no dumps in {_intelmq.Home}/.local/state/intelmq/dump", _intelmq.Run("", "dump", "list").Stdout.Trim());
    }
}
