using IntelMQ.Cli;
using IntelMQ.Runtime.Configuration;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Tests.Cli;

/// <summary><c>intelmq config import-intelmq</c>: IntelMQ's configurations become config.d files that pass the checks.</summary>
public sealed class ImportIntelMQTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    static string SharedRuntime => Path.Combine(Paths.Shared, "data", "intelmq", "runtime.yaml");

    [Fact]
    public void The_shared_runtime_yaml_converts_and_passes_configtest_connectiontest_and_fieldcheck()
    {
        var import = _intelmq.Run("", "config", "import-intelmq", SharedRuntime);
        Assert.Equal(0, import.ExitCode);
        Assert.DoesNotContain("is not available", import.Stdout); // every bot of the sample has its program now
        Assert.Contains("hierarchical_output: not an option of file-output", import.Stdout);
        foreach (var check in new[] { "configtest", "connectiontest", "fieldcheck" })
        {
            var result = _intelmq.Run("", check);
            Assert.True(result.ExitCode == 0, $"{check}: {result.Stdout}");
        }
        var taxonomy = File.ReadAllText(_intelmq.PathOf("etc/config.d/taxonomy-expert.yaml"));
        Assert.Contains("program: taxonomy-expert", taxonomy);
        Assert.Contains("input: redis://127.0.0.1:6379/2?queue=taxonomy-expert-queue", taxonomy);
        Assert.Contains("redis://127.0.0.1:6379/2?queue=url-expert-queue", taxonomy);
        Assert.Contains("program: cymru-whois-expert", File.ReadAllText(_intelmq.PathOf("etc/config.d/cymru-whois-expert.yaml")));
        var collector = File.ReadAllText(_intelmq.PathOf("etc/config.d/feodo-tracker-collector.yaml"));
        Assert.Contains("program: http-collector", collector);
        Assert.Contains("run_mode: interval", collector);
        Assert.Contains("interval: 86400", collector);
    }

    [Fact]
    public void A_load_balanced_path_becomes_one_queue_shared_by_its_readers()
    {
        var import = IntelMQImporter.Import(SharedRuntime, Programs.Catalog);
        var second = import.Files.Single(f => f.Id == "gethostbyname-2-expert").Yaml;
        Assert.Contains("input: redis://127.0.0.1:6379/2?queue=gethostbyname-1-expert-queue", second);
        Assert.Contains(import.Notes, n => n.StartsWith("gethostbyname-2-expert: reads gethostbyname-1-expert-queue", StringComparison.Ordinal));
    }

    [Fact]
    public void An_existing_file_is_kept_without_force()
    {
        var dir = Directory.CreateDirectory(_intelmq.PathOf("etc/config.d")).FullName;
        File.WriteAllText(Path.Combine(dir, "taxonomy-expert.yaml"), "program: taxonomy-expert\n");
        var result = _intelmq.Run("", "config", "import-intelmq", SharedRuntime);
        Assert.Contains("taxonomy-expert.yaml exists: kept", result.Stdout);
        Assert.Equal("program: taxonomy-expert\n", File.ReadAllText(Path.Combine(dir, "taxonomy-expert.yaml")));
    }

    [Fact]
    public void An_unreadable_input_exits_2()
    {
        var result = _intelmq.Run("", "config", "import-intelmq", _intelmq.PathOf("nope.yaml"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot read", result.Stderr);
    }

    [Fact]
    public void IntelMQ_2_runtime_pipeline_and_defaults_conf_convert()
    {
        var dir = Directory.CreateDirectory(_intelmq.PathOf("intelmq2")).FullName;
        File.WriteAllText(Path.Combine(dir, "runtime.conf"), """
            {"taxonomy-expert": {"module": "intelmq.bots.experts.taxonomy.expert", "enabled": true, "run_mode": "continuous", "parameters": {"error_procedure": "stop"}},
             "file-output": {"module": "intelmq.bots.outputs.file.output", "enabled": false, "parameters": {"file": "/tmp/events.txt"}}}
            """);
        File.WriteAllText(Path.Combine(dir, "pipeline.conf"), """
            {"taxonomy-expert": {"source-queue": "taxonomy-expert-queue", "destination-queues": ["file-output-queue"]},
             "file-output": {"source-queue": "file-output-queue"}}
            """);
        File.WriteAllText(Path.Combine(dir, "defaults.conf"), """{"source_pipeline_host": "redis.example.org", "destination_pipeline_host": "redis.example.org", "logging_level": "INFO"}""");
        var import = IntelMQImporter.Import(Path.Combine(dir, "runtime.conf"), Programs.Catalog);
        var taxonomy = import.Files.Single(f => f.Id == "taxonomy-expert").Yaml;
        Assert.Contains("input: redis://redis.example.org:6379/2?queue=taxonomy-expert-queue", taxonomy);
        Assert.Contains("redis://redis.example.org:6379/2?queue=file-output-queue", taxonomy);
        Assert.Contains("on_error: stop", taxonomy);
        Assert.Contains("log_level: info", taxonomy);
        Assert.Contains("enabled: false", import.Files.Single(f => f.Id == "file-output").Yaml);
    }

    public static TheoryData<string> Feeds()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "feeds.yaml"))));
        var providers = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["providers"];
        return [.. providers.Children.SelectMany(p => ((YamlMappingNode)p.Value).Children.Select(f => $"{p.Key}/{f.Key}"))];
    }

    [Theory]
    [MemberData(nameof(Feeds))]
    public void Every_feed_of_IntelMQs_feed_list_converts_to_files_that_pass_configtest(string feed)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Paths.Shared, "data", "intelmq", "feeds.yaml"))));
        var (provider, name) = (feed[..feed.IndexOf('/')], feed[(feed.IndexOf('/') + 1)..]);
        var entry = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["providers"])[provider])[name];
        var bots = (YamlMappingNode)entry["bots"];
        // A runtime.yaml as IntelMQ's manager writes it for the feed: its collector feeding its parser.
        var runtime = new YamlMappingNode();
        foreach (var (role, bot) in bots.Children)
        {
            var b = (YamlMappingNode)bot;
            var parameters = b.Children.TryGetValue("parameters", out var p) && p is YamlMappingNode m ? m : [];
            foreach (var placeholder in parameters.Children.Where(c => c.Value is YamlScalarNode { Value: "__FEED__" or "__PROVIDER__" }).ToList())
                parameters.Children[placeholder.Key] = ((YamlScalarNode)placeholder.Value).Value == "__FEED__" ? name : provider;
            if (role.ToString() == "collector") parameters.Children["destination_queues"] = new YamlMappingNode { { "_default", new YamlSequenceNode(new YamlScalarNode("feed-parser-queue")) } };
            runtime.Add("feed-" + role, new YamlMappingNode { { "module", b["module"] }, { "parameters", parameters } });
        }
        var file = _intelmq.PathOf("runtime.yaml");
        using (var writer = File.CreateText(file)) new YamlStream(new YamlDocument(runtime)).Save(writer, assignAnchors: false);
        var dir = Directory.CreateDirectory(_intelmq.PathOf("config.d")).FullName;
        foreach (var (id, text) in IntelMQImporter.Import(file, Programs.Catalog).Files) File.WriteAllText(Path.Combine(dir, id + ".yaml"), text);
        var problems = new List<ConfigDiagnostic>();
        Assert.Equal(bots.Children.Count, InstanceLoader.LoadDirectory(dir, Programs.Catalog, IntelMQ.Cli.Channels.Catalog, problems).Count);
        Assert.DoesNotContain(problems, p => !p.IsWarning);
    }
}
