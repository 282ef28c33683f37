using System.Diagnostics;

namespace IntelMQ.Tests.Cli;

/// <summary>
/// The plugin of examples/plugin, built as its author would (dotnet build against the installed intelmq's assemblies) in
/// a temporary directory, once per test class; and the same project with programs that fail the catalogue's checks.
/// </summary>
public sealed class ExamplePlugin : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("plugin-build-").FullName;

    public ExamplePlugin()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.Repo, "examples", "plugin")).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(source, Path.GetFileName(file)));
        Assembly = Build(source, "out", []);
        if (BuildError is not null) return;
        File.WriteAllText(Path.Combine(source, "BadPrograms.cs"), BadPrograms);
        Mixed = Build(source, "out-mixed", ["-p:AssemblyName=MixedPlugin"]);
    }

    /// <summary>TagExpert.dll, the plugin as the example builds it.</summary>
    public string Assembly { get; }

    /// <summary>MixedPlugin.dll: tag-expert and two programs that fail the catalogue's declaration checks.</summary>
    public string Mixed { get; } = "";

    /// <summary>Why a build failed (its output), or null.</summary>
    public string? BuildError { get; private set; }

    string Build(string source, string output, string[] properties)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = source };
        foreach (var argument in (string[])["build", "TagExpert.csproj", "-c", "Release", "-nologo", "-o", Path.Combine(_dir, output), $"-p:IntelMQDir={AppContext.BaseDirectory}", .. properties])
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(600_000))
        {
            process.Kill(entireProcessTree: true);
            BuildError = "dotnet build of examples/plugin did not finish in 10 minutes";
            return "";
        }
        var assembly = Path.Combine(_dir, output, (properties.Length > 0 ? "MixedPlugin" : "TagExpert") + ".dll");
        if (process.ExitCode != 0 || !File.Exists(assembly)) BuildError = $"dotnet build of examples/plugin failed:\n{stdout.Result}\n{stderr.Result}";
        return assembly;
    }

    const string BadPrograms = """
        using IntelMQ.Contract;
        using IntelMQ.Core;

        namespace IntelMQ.Example;

        [Program("not-an-output", ProgramKind.Output, "Declared an output, but an expert.")]
        public sealed class NotAnOutput : IExpert
        {
            public void Process(Event ev, IEmitter output) => output.Emit(ev);
        }

        [Program("Bad Name", ProgramKind.Expert, "A name that is not a program name.")]
        public sealed class BadName : IExpert
        {
            public void Process(Event ev, IEmitter output) => output.Emit(ev);
        }
        """;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
