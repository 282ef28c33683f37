using IntelMQ.Runtime;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq run ID</c>: an instance configured in config.d brings its program, options, channels and run mode.</summary>
public static class InstanceRun
{
    /// <summary>
    /// When <paramref name="name"/> is a configured instance (ID, or a path to ID.yaml): adds its values under those
    /// already given (the command line wins) and returns its program; null when it is not one.
    /// </summary>
    /// <exception cref="ConfigurationException">The file has errors; the message lists them with their lines and fixes.</exception>
    public static ProgramInfo? Apply(string name, Dictionary<string, object?> values)
    {
        if (InstanceLoader.Find(name, Installation.ConfigDirectory) is not { } file) return null;
        var problems = new List<ConfigDiagnostic>();
        var instance = InstanceLoader.Load(file, Programs.Catalog, Channels.Catalog, problems);
        var errors = problems.Where(p => !p.IsWarning || instance?.Program is null).ToList();
        if (errors.Count > 0 || instance?.Program is null)
            throw new ConfigurationException(string.Join("\n", errors.Select(e => e.ToString())) + (errors.Count > 0 ? "\n" : "") + $"{file}: not run (`intelmq configtest` checks every file).");
        foreach (var warning in problems) Console.Error.WriteLine($"intelmq: {warning}");
        if (!instance.Enabled) Console.Error.WriteLine($"{instance.Id}: note: disabled in {file} (enabled: false); run because it was named.");
        foreach (var (key, value) in instance.RunValues()) values.TryAdd(key, value);
        return instance.Program;
    }
}
