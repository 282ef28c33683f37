using System.Globalization;
using IntelMQ.Runtime.Channels;
using YamlDotNet.Serialization;

namespace IntelMQ.Runtime.Configuration;

/// <summary>Writes configuration as YAML: an instance as loaded (<c>config render</c>), or a converted one (the importer).</summary>
public static class InstanceYaml
{
    static readonly ISerializer Serializer = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases().Build();

    public static string Write(IReadOnlyDictionary<string, object?> document) => Serializer.Serialize(document);

    /// <summary>
    /// The instance as it runs, secrets masked: values from <c>| file</c> and <c>| secret</c> when it was loaded masked,
    /// options declared as secrets whatever their source, and passwords in channel URIs.
    /// </summary>
    public static string Render(InstanceConfig instance)
    {
        var document = new Dictionary<string, object?>(StringComparer.Ordinal) { ["program"] = instance.Program?.Name ?? instance.ProgramName };
        if (!instance.Enabled) document["enabled"] = false;
        document["run_mode"] = instance.RunMode.ToString().ToLowerInvariant();
        if (instance.Interval is { } interval) document["interval"] = interval;
        if (instance.Schedule is not null) document["schedule"] = instance.Schedule;
        if (instance.ScheduleJitter is { } jitter) document["schedule_jitter"] = jitter;
        if (instance.Input is not null) document["input"] = Uri(instance.Input);
        if (instance.Outputs.Count > 0)
            document["output"] = instance.Outputs.ToDictionary(p => p.Key, p => (object)p.Value.Select(Uri).ToList(), StringComparer.Ordinal);
        foreach (var (key, value) in instance.Settings) document[key] = key == "intelmq_statistics" && value is string uri ? Uri(uri) : Typed(value);
        if (instance.Options.Count > 0)
            document["options"] = instance.Options.ToDictionary(o => o.Key, o => IsSecret(instance.Program, o.Key) && o.Value is not null ? ConfigTemplate.Mask : Typed(o.Value), StringComparer.Ordinal);
        return Write(document);
    }

    // YAML's plain scalars are read as text; written back, 10 and true stay unquoted.
    static object? Typed(object? value) => value switch
    {
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !s.Contains(',') => d,
        string s when bool.TryParse(s, out var b) => b,
        _ => value,
    };

    static bool IsSecret(ProgramInfo? program, string key) =>
        program is not null && OptionBinder.Find(program.Options, key) is { } option && (Nullable.GetUnderlyingType(option.Type) ?? option.Type) == typeof(Secret);

    static string Uri(string uri)
    {
        try { return ChannelAddress.Parse(uri).ToString(); }
        catch (ConfigurationException) { return uri; }
    }

}
