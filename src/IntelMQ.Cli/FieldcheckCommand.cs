using System.CommandLine;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq fieldcheck</c>: along every path of the workflow, what each program reads is written upstream.</summary>
public static class FieldcheckCommand
{
    public static Command Create()
    {
        var dir = WorkflowDirectory.DirOption();
        var command = new Command("fieldcheck", "Follow every path of the workflow and name each program that reads fields no program upstream writes (the fields each program declares, `intelmq help PROGRAM`). Exit 0 or 1.") { dir };
        command.SetAction(parse =>
        {
            var directory = WorkflowDirectory.Entered(parse, dir);
            var problems = new List<ConfigDiagnostic>();
            var instances = InstanceLoader.LoadDirectory(directory, Programs.Catalog, Channels.Catalog, problems);
            problems.RemoveAll(p => p.IsWarning);
            problems.AddRange(new WorkflowGraph(instances).CheckFields());
            return ConfigtestCommand.Report("fieldcheck", directory, instances.Count, problems);
        });
        return command;
    }
}
