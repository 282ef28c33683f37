using System.CommandLine;
using IntelMQ.Cli;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

var root = new RootCommand("IntelMQ.NET: collect, parse, enrich and deliver security feeds. `intelmq list` shows the programs, `intelmq help PROGRAM` explains one.")
{
    RunCommand.Create(),
    ListCommand.Create(),
    HelpCommand.Create(),
    DemoCommand.Create(),
    DumpCommand.Create(),
    QueueCommand.Create(),
    ConfigCommand.Create(),
    ConfigtestCommand.Create(),
    ConnectiontestCommand.Create(),
    FieldcheckCommand.Create(),
    WorkflowCommand.Create(),
    SystemdCommand.Create(),
    DbCommand.Create(),
};
var plugins = new Option<string?>("--plugins")
{
    Description = "The plugins directory (docs/plugins.md). Default: $INTELMQ_PLUGINS, else $INTELMQ_HOME/plugins.",
    Recursive = true,
};
root.Options.Add(plugins);
foreach (var daemonCommand in DaemonCommands.Create()) root.Subcommands.Add(daemonCommand);
var parse = root.Parse(args);
// Through the environment, so that the workers of --processes load the same plugins.
if (parse.GetValue(plugins) is { Length: > 0 } pluginDirectory) Environment.SetEnvironmentVariable("INTELMQ_PLUGINS", Path.GetFullPath(pluginDirectory));
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"intelmq: {error.Message}");
    Console.Error.WriteLine("Try `intelmq --help`.");
    return 2;
}
try
{
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ConfigurationException ex)
{
    Console.Error.WriteLine($"intelmq: {ex.Message}");
    return 2;
}
catch (ChannelUnavailableException ex)
{
    Console.Error.WriteLine($"intelmq: {ex.Message} Run again when it is reachable; with --daemon the program waits for it.");
    return 4;
}
catch (IOException ex)
{
    Console.Error.WriteLine($"intelmq: {ex.Message}");
    return 2;
}
