using System.Text.Json;
using IntelMQ.Runtime;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IntelMQ.Cli;

/// <summary>Option values from a YAML config file and <c>--set KEY=VALUE</c> pairs (later ones win).</summary>
public static class ConfigValues
{
    public static Dictionary<string, object?> Collect(string? configFile, IEnumerable<string> sets)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (configFile is not null)
            foreach (var (key, value) in ReadYaml(configFile)) values[key] = value;
        foreach (var set in sets)
        {
            var eq = set.IndexOf('=');
            if (eq <= 0) throw new ConfigurationException($"--set '{set}': expected KEY=VALUE, e.g. --set file_name=2024-05-01-scan_smb-geo.csv");
            values[set[..eq]] = ParseValue(set[(eq + 1)..]);
        }
        return values;
    }

    /// <summary>JSON when it parses as JSON (true, 3, ["a","b"], "x"), otherwise the text itself.</summary>
    public static object ParseValue(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return text;
        }
    }

    // A program's YAML config: its options at the top level or under `parameters:` (as in IntelMQ's runtime.yaml).
    static IEnumerable<KeyValuePair<string, object?>> ReadYaml(string path)
    {
        YamlStream yaml = [];
        try
        {
            using var reader = File.OpenText(path);
            yaml.Load(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"cannot read the config file '{path}': {ex.Message}");
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.Message}");
        }
        if (yaml.Documents.Count == 0) yield break;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigurationException($"{path}: expected a mapping of option names to values at the top level.");
        foreach (var channel in ChannelKeys)
            if (root.Children.TryGetValue(new YamlScalarNode(channel), out var uri)) yield return new(channel, ToValue(uri));
        if (root.Children.TryGetValue(new YamlScalarNode("parameters"), out var parameters) && parameters is YamlMappingNode p) root = p;
        foreach (var (key, value) in root.Children)
            if (!ChannelKeys.Contains(((YamlScalarNode)key).Value)) yield return new(((YamlScalarNode)key).Value!, ToValue(value));
    }

    /// <summary>Keys of a config file that name channels rather than options: <c>input: URI</c>, <c>output: URI | [URI...] | {PATH: URI | [URI...]}</c>.</summary>
    public static readonly string[] ChannelKeys = ["input", "output"];

    static object? ToValue(YamlNode node) => Runtime.Configuration.InstanceLoader.ToValue(node);
}
