using System.Runtime.CompilerServices;

namespace IntelMQ.Tests;

/// <summary>Where the repository, the shared reference data and the built intelmq command are.</summary>
public static class Paths
{
    public static string Repo { get; } = FindRepo();
    public static string Shared { get; } = Path.GetFullPath(Path.Combine(Repo, "..", "shared"));
    public static string Corpus => Path.Combine(Shared, "corpus");
    public static string IntelMQDll => Path.Combine(AppContext.BaseDirectory, "intelmq.dll");

    /// <summary>Set INTELMQ_REGENERATE=1 to rewrite generated files (schema, docs) instead of failing on a difference.</summary>
    public static bool Regenerate => Environment.GetEnvironmentVariable("INTELMQ_REGENERATE") == "1";

    static string FindRepo([CallerFilePath] string source = "")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IntelMQ.slnx"))) return dir.FullName;
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));
    }
}
