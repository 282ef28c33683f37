using System.Runtime.Versioning;
using IntelMQ.Cli;
using IntelMQ.Collectors.Rsync;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Collectors;

/// <summary>The rsync collector against a local source directory, which rsync takes as it takes a server's module.</summary>
public sealed class RsyncCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();
    readonly string _source = Directory.CreateTempSubdirectory("intelmq-rsync-source-").FullName;
    readonly string _mirror = Directory.CreateTempSubdirectory("intelmq-rsync-mirror-").FullName;

    public void Dispose()
    {
        _run.Dispose();
        Directory.Delete(_source, recursive: true);
        Directory.Delete(_mirror, recursive: true);
    }

    RsyncCollectorOptions Options(string file) => new() { File = file, RsyncPath = _source + "/", TempDirectory = _mirror };

    [Fact]
    public async Task A_fetched_file_is_one_report_and_comes_again_only_when_it_changed()
    {
        var ct = TestContext.Current.CancellationToken;
        File.WriteAllText(Path.Combine(_source, "wild.surbl.org.rbldnsd"), ":127.0.0.2:\nmalicious.example\n");

        await _run.CollectAsync("intelmq.bots.collectors.rsync.collector_rsync", Options("wild.surbl.org.rbldnsd"), ct);
        await _run.CollectAsync("rsync-collector", Options("wild.surbl.org.rbldnsd"), ct);
        File.AppendAllText(Path.Combine(_source, "wild.surbl.org.rbldnsd"), "other.example\n");
        await _run.CollectAsync("rsync-collector", Options("wild.surbl.org.rbldnsd"), ct);

        var reports = _run.Reports();
        Assert.Equal([":127.0.0.2:\nmalicious.example\n", ":127.0.0.2:\nmalicious.example\nother.example\n"], reports.Select(r => (string)r["event.original"]!));
        Assert.All(reports, r => Assert.Equal("wild.surbl.org.rbldnsd", r["custom.file_name"]));
        Assert.True(File.Exists(Path.Combine(_mirror, "wild.surbl.org.rbldnsd")), "the mirror is kept for the next transfer");
    }

    [Fact]
    public async Task A_file_the_source_lacks_fails_the_run_with_rsyncs_message_and_stores_nothing()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("rsync-collector", Options("missing.csv"), TestContext.Current.CancellationToken));

        Assert.Contains("exit code 23", error.Message);
        Assert.Contains("missing.csv", error.Message);
        Assert.Empty(_run.Reports());
        Assert.Null(_run.State("sha256"));
    }

    [Fact]
    public async Task Rsync_file_path_formatting_puts_the_date_into_the_file_name()
    {
        var name = $"{DateTime.Now:yyyy-MM-dd}.csv";
        File.WriteAllText(Path.Combine(_source, name), "ip\n192.0.2.1\n");

        await _run.CollectAsync("rsync-collector", Options("{time[%Y-%m-%d]}.csv") with { RsyncFilePathFormatting = "true" }, TestContext.Current.CancellationToken);

        Assert.Equal(name, Assert.Single(_run.Reports())["custom.file_name"]);
    }

    [Fact]
    public async Task Extra_params_reach_rsync_each_as_one_argument()
    {
        File.WriteAllText(Path.Combine(_source, "wild.surbl.org.rbldnsd"), ":127.0.0.2:\n");
        // A space in the path: each parameter is one argument, not split as a shell would.
        var log = Path.Combine(Directory.CreateDirectory(Path.Combine(_source, "log dir")).FullName, "rsync.log");

        await _run.CollectAsync("rsync-collector", Options("wild.surbl.org.rbldnsd") with { ExtraParams = [$"--log-file={log}", "--log-file-format=fetched %n"] },
            TestContext.Current.CancellationToken);

        Assert.Contains("fetched wild.surbl.org.rbldnsd", File.ReadAllText(log));
        Assert.Single(_run.Reports());
    }

    [Theory]
    [InlineData("extra_params: \"--chmod=Fu+rw,Fgo-rwx\"", new[] { "--chmod=Fu+rw,Fgo-rwx" })]
    [InlineData("extra_params:\n  - --chmod=Fu+rw,Fgo-rwx\n  - --checksum", new[] { "--chmod=Fu+rw,Fgo-rwx", "--checksum" })]
    [SupportedOSPlatform("linux")]
    public async Task Extra_params_in_a_YAML_file_are_one_argument_per_list_item_and_one_string_is_one_argument_commas_and_all(string yaml, string[] arguments)
    {
        File.WriteAllText(Path.Combine(_source, "wild.surbl.org.rbldnsd"), ":127.0.0.2:\n");
        var config = Path.Combine(_source, "rsync-collector.yaml");
        File.WriteAllText(config, $"file: wild.surbl.org.rbldnsd\nrsync_path: {_source}/\ntemp_directory: {_mirror}\n{yaml}\n");
        var options = (RsyncCollectorOptions)OptionBinder.Bind(Programs.Catalog.Resolve("rsync-collector"), ConfigValues.Collect(config, []))!;

        await _run.CollectAsync("rsync-collector", options, TestContext.Current.CancellationToken);

        Assert.Equal(arguments, options.ExtraParams);
        Assert.Single(_run.Reports());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_mirror, "wild.surbl.org.rbldnsd")));
    }

    [Fact]
    public async Task An_extra_param_rsync_refuses_fails_the_run_with_its_message()
    {
        File.WriteAllText(Path.Combine(_source, "wild.surbl.org.rbldnsd"), ":127.0.0.2:\n");

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("rsync-collector", Options("wild.surbl.org.rbldnsd") with { ExtraParams = ["--no-such-option"] },
            TestContext.Current.CancellationToken));

        Assert.Contains("--no-such-option", error.Message);
        Assert.Empty(_run.Reports());
    }
}
