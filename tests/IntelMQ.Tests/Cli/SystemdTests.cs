using System.Diagnostics;

namespace IntelMQ.Tests.Cli;

/// <summary><c>intelmq systemd</c>: the units it writes for a workflow (systemd cannot run here; systemd-analyze checks them when installed).</summary>
public sealed class SystemdTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string Units => _intelmq.PathOf("units");

    IntelMQCommand.Result Generate(params string[] extra)
    {
        var config = _intelmq.PathOf("etc/config.d");
        Directory.CreateDirectory(config);
        File.WriteAllText(Path.Combine(config, "taxonomy-expert.yaml"), $"program: taxonomy-expert\ninput: sqlite:{_intelmq.PathOf("q.db")}?queue=a\noutput: sqlite:{_intelmq.PathOf("q.db")}?queue=b\n");
        File.WriteAllText(Path.Combine(config, "file-output.yaml"), $"program: file-output\ninput: sqlite:{_intelmq.PathOf("q.db")}?queue=b\noptions:\n  path: {_intelmq.PathOf("events.jsonl")}\n");
        File.WriteAllText(Path.Combine(config, "backfill.yaml"), $"program: taxonomy-expert\nrun_mode: once\ninput: sqlite:{_intelmq.PathOf("q.db")}?queue=old\noutput: sqlite:{_intelmq.PathOf("q.db")}?queue=b\n");
        File.WriteAllText(Path.Combine(config, "spare.yaml"), $"program: taxonomy-expert\nenabled: false\ninput: sqlite:{_intelmq.PathOf("q.db")}?queue=x\noutput: sqlite:{_intelmq.PathOf("q.db")}?queue=b\n");
        return _intelmq.Run("", ["systemd", "--dir", _intelmq.Home, "--to", Units, .. extra]);
    }

    [Fact]
    public void The_template_unit_runs_an_instance_by_its_id_restarts_on_failure_and_reloads_with_SIGHUP()
    {
        var result = Generate();
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var service = File.ReadAllLines(Path.Combine(Units, "intelmq@.service"));

        Assert.Contains($"Environment=INTELMQ_HOME={_intelmq.Home}", service);
        Assert.Contains($"WorkingDirectory={_intelmq.Home}", service);
        var exec = Assert.Single(service, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.EndsWith($" run {_intelmq.Home}/etc/config.d/%i.yaml", exec);
        Assert.Contains("intelmq.dll", exec);
        Assert.Contains("Restart=on-failure", service);
        Assert.Contains("KillSignal=SIGTERM", service);
        Assert.Contains("ExecReload=/bin/kill -HUP $MAINPID", service);
        Assert.Contains("RestartPreventExitStatus=2 3", service);
        Assert.Contains("PartOf=intelmq.target", service);
        Assert.Contains("WantedBy=intelmq.target", service);
    }

    [Fact]
    public void The_target_wants_the_enabled_continuous_instances_and_the_commands_to_enable_it_are_printed()
    {
        var result = Generate("--user");
        Assert.Equal(0, result.ExitCode);
        var target = File.ReadAllLines(Path.Combine(Units, "intelmq.target"));

        Assert.Contains("Wants=intelmq@file-output.service intelmq@taxonomy-expert.service", target);
        Assert.Contains("WantedBy=default.target", target);
        Assert.Contains("systemctl --user daemon-reload", result.Stdout);
        Assert.Contains("systemctl --user enable --now intelmq.target", result.Stdout);
        Assert.Contains("backfill runs once", result.Stdout);
        Assert.DoesNotContain("spare", result.Stdout);
    }

    [Fact]
    public void A_system_target_is_wanted_at_boot()
    {
        Assert.Equal(0, Generate().ExitCode);
        Assert.Contains("WantedBy=multi-user.target", File.ReadAllLines(Path.Combine(Units, "intelmq.target")));
    }

    [Fact]
    public void A_path_with_spaces_and_percent_signs_is_quoted_for_systemd()
    {
        var home = _intelmq.PathOf("my 100% home");
        Directory.CreateDirectory(Path.Combine(home, "etc", "config.d"));
        File.WriteAllText(Path.Combine(home, "etc", "config.d", "expert.yaml"), "program: taxonomy-expert\ninput: memory:a\noutput: memory:b\n");
        Assert.Equal(0, _intelmq.Run("", "systemd", "--dir", home, "--to", Units).ExitCode);
        var service = File.ReadAllLines(Path.Combine(Units, "intelmq@.service"));

        Assert.Contains($"Environment=\"INTELMQ_HOME={_intelmq.Home}/my 100%% home\"", service);
        Assert.EndsWith($" run \"{_intelmq.Home}/my 100%% home/etc/config.d/%i.yaml\"", Assert.Single(service, l => l.StartsWith("ExecStart=", StringComparison.Ordinal)));
    }

    [Fact]
    public void Systemd_analyze_finds_nothing_wrong_with_the_units()
    {
        Assert.SkipWhen(!File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is not installed (apt-get install systemd).");
        Assert.Equal(0, Generate().ExitCode);
        // A template is checked as one of its instances.
        File.Copy(Path.Combine(Units, "intelmq@.service"), Path.Combine(Units, "intelmq@taxonomy-expert.service"));
        var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["verify", "--man=no", Path.Combine(Units, "intelmq@taxonomy-expert.service"), Path.Combine(Units, "intelmq.target")]) start.ArgumentList.Add(a);
        using var verify = Process.Start(start)!;
        var errors = verify.StandardError.ReadToEnd() + verify.StandardOutput.ReadToEnd();
        verify.WaitForExit();
        // It also complains of the units the target wants that are not written out (file-output); none of its words are about ours.
        Assert.DoesNotContain("intelmq@taxonomy-expert.service:", errors);
        Assert.DoesNotContain("intelmq.target:", errors);
    }
}
