using IntelMQ.Cli;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Tests.Collectors;

/// <summary>The collector configurations of IntelMQ's feed list (shared/data/intelmq/feeds.yaml), read as `intelmq run --config` reads a file.</summary>
public static class IntelMQFeeds
{
    /// <summary>The collector modules the feed list names, each once.</summary>
    public static List<string> CollectorModules()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Paths.Shared, "data", "intelmq", "feeds.yaml"))) yaml.Load(reader);
        return [.. ((YamlMappingNode)yaml.Documents[0].RootNode["providers"]).Children.Values
            .SelectMany(feeds => ((YamlMappingNode)feeds).Children.Values)
            .Select(definition => definition["bots"]["collector"]["module"].ToString())
            .Distinct().Order(StringComparer.Ordinal)];
    }

    public static List<(string Feed, Dictionary<string, object?> Parameters)> Collectors(string module)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Paths.Shared, "data", "intelmq", "feeds.yaml"))) yaml.Load(reader);
        var entries = new List<(string, Dictionary<string, object?>)>();
        var scratch = Path.Combine(Path.GetTempPath(), $"intelmq-feed-{Guid.NewGuid():N}.yaml");
        try
        {
            foreach (var (provider, feeds) in (YamlMappingNode)yaml.Documents[0].RootNode["providers"])
            foreach (var (feed, definition) in (YamlMappingNode)feeds)
            {
                var collector = (YamlMappingNode)definition["bots"]["collector"];
                if (collector["module"].ToString() != module) continue;
                var parameters = collector.Children.TryGetValue("parameters", out var p) && p is YamlMappingNode map ? map : new YamlMappingNode();
                using (var writer = File.CreateText(scratch)) new YamlStream(new YamlDocument(parameters)).Save(writer, assignAnchors: false);
                entries.Add(($"{provider}: {feed}", ConfigValues.Collect(scratch, [])));
            }
        }
        finally
        {
            File.Delete(scratch);
        }
        return entries;
    }
}
