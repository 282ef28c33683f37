using System.CommandLine;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq configtest</c>: every file of config.d parses, names a program that exists and gives known, well-typed options.</summary>
public static class ConfigtestCommand
{
    public static Command Create()
    {
        var dir = WorkflowDirectory.DirOption();
        var command = new Command("configtest", "Check every configuration file: YAML and templates, programs, options (known, typed, in range), run modes and channel URIs. Exit 0 when all are usable, 1 otherwise.") { dir };
        command.SetAction(parse =>
        {
            var directory = WorkflowDirectory.Entered(parse, dir);
            var problems = new List<ConfigDiagnostic>();
            var instances = InstanceLoader.LoadDirectory(directory, Programs.Catalog, Channels.Catalog, problems);
            problems.AddRange(Programs.Catalog.Problems.Select(p => new ConfigDiagnostic(p.File, 0, "plugin: " + p.Reason)));
            return Report("configtest", directory, instances.Count, problems);
        });
        return command;
    }

    /// <summary>Prints the problems, then a summary line; 1 when there is an error.</summary>
    public static int Report(string check, string directory, int instances, IReadOnlyList<ConfigDiagnostic> problems)
    {
        foreach (var problem in problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line)) Console.Out.WriteLine(problem);
        var errors = problems.Count(p => !p.IsWarning);
        var warnings = problems.Count - errors;
        Console.Out.WriteLine($"{check}: {instances} instance{(instances == 1 ? "" : "s")} in {directory}: "
                              + (errors == 0 ? "OK" : $"{errors} error{(errors == 1 ? "" : "s")}") + (warnings > 0 ? $", {warnings} warning{(warnings == 1 ? "" : "s")}" : "") + ".");
        return errors > 0 ? 1 : 0;
    }
}
