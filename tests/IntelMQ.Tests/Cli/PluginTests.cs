using System.IO.Compression;

namespace IntelMQ.Tests.Cli;

/// <summary>Programs from assemblies and NuGet packages dropped into the plugins directory (docs/plugins.md).</summary>
public sealed class PluginTests(ExamplePlugin plugin) : IClassFixture<ExamplePlugin>, IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string Plugins => Directory.CreateDirectory(_intelmq.PathOf("plugins")).FullName;

    void Install(string source, string name)
    {
        Assert.True(plugin.BuildError is null, plugin.BuildError);
        File.Copy(source, Path.Combine(Plugins, name));
    }

    const string Input = "{\"source\": {\"ip\": \"192.0.2.1\"}}\n";

    [Fact]
    public void A_plugin_assembly_is_listed_documented_and_run_like_a_built_in_program()
    {
        Install(plugin.Assembly, "TagExpert.dll");

        var list = _intelmq.Run("", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("tag-expert", list.Stdout);
        Assert.Contains("taxonomy-expert", list.Stdout);
        Assert.DoesNotContain("plugin", list.Stderr);

        var help = _intelmq.Run("", "help", "tag-expert");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("`overwrite`", help.Stdout);

        var run = _intelmq.Run(Input, "run", "tag-expert", "--set", "tag=constituency-a");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("constituency-a", run.Stdout);
        Assert.Contains("192.0.2.1", run.Stdout);

        var refused = _intelmq.Run(Input, "run", "tag-expert", "--set", "field=no.such.field");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("tag-expert: option 'field'", refused.Stderr);
    }

    [Fact]
    public void A_plugin_in_a_nuget_package_is_loaded_from_its_lib_folder()
    {
        Assert.True(plugin.BuildError is null, plugin.BuildError);
        using (var package = ZipFile.Open(Path.Combine(Plugins, "Example.TagExpert.1.0.0.nupkg"), ZipArchiveMode.Create))
        {
            package.CreateEntryFromFile(plugin.Assembly, "lib/net10.0/TagExpert.dll");
            using var writer = new StreamWriter(package.CreateEntry("Example.TagExpert.nuspec").Open());
            writer.Write("<package><metadata><id>Example.TagExpert</id><version>1.0.0</version></metadata></package>");
        }

        var run = _intelmq.Run(Input, "run", "tag-expert", "--set", "tag=from-a-package");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("from-a-package", run.Stdout);
    }

    [Fact]
    public void Broken_plugins_are_reported_with_their_file_and_reason_and_the_others_still_load()
    {
        Install(plugin.Mixed, "MixedPlugin.dll");
        Install(plugin.Assembly, "TagExpertAgain.dll");
        File.WriteAllText(Path.Combine(Plugins, "broken.dll"), "this is not an assembly");
        Directory.CreateDirectory(Path.Combine(Plugins, "empty"));

        var list = _intelmq.Run("", "list");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("tag-expert", list.Stdout);
        Assert.DoesNotContain("not-an-output", list.Stdout);
        Assert.Contains("broken.dll: not a .NET assembly", list.Stderr);
        Assert.Contains("empty: holds no empty.dll", list.Stderr);
        Assert.Matches(@"MixedPlugin\.dll: IntelMQ\.Example\.NotAnOutput \(not-an-output\): it is declared output but implements none of IOutput", list.Stderr);
        Assert.Contains("(Bad Name): the name 'Bad Name' must be lower-case words", list.Stderr);
        Assert.Matches(@"TagExpertAgain\.dll: IntelMQ\.Example\.TagExpert: 'tag-expert' is already the name or a module of tag-expert \(.*MixedPlugin\.dll\)", list.Stderr);

        var config = Directory.CreateDirectory(_intelmq.PathOf("etc/config.d")).FullName;
        File.WriteAllText(Path.Combine(config, "tag.yaml"), "program: tag-expert\ninput: stdin:\noptions:\n  tag: x\n");
        var configtest = _intelmq.Run("", "configtest");
        Assert.Equal(1, configtest.ExitCode);
        Assert.Contains("broken.dll: plugin: not a .NET assembly", configtest.Stdout);
        Assert.DoesNotContain("unknown program", configtest.Stdout);
    }

    [Fact]
    public void The_plugins_option_chooses_another_directory()
    {
        Assert.True(plugin.BuildError is null, plugin.BuildError);
        var elsewhere = Directory.CreateDirectory(_intelmq.PathOf("elsewhere")).FullName;
        File.Copy(plugin.Assembly, Path.Combine(elsewhere, "TagExpert.dll"));

        Assert.DoesNotContain("tag-expert", _intelmq.Run("", "list").Stdout);
        Assert.Contains("tag-expert", _intelmq.Run("", "list", "--plugins", elsewhere).Stdout);
        var run = _intelmq.Run(Input, "--plugins", elsewhere, "run", "tag-expert");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("seen", run.Stdout);
    }
}
