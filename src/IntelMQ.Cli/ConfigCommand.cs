using System.CommandLine;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq config render|import-intelmq</c>: show the configuration as it runs, convert an IntelMQ setup.</summary>
public static class ConfigCommand
{
    public static Command Create() => new("config", "Show the configuration as it runs (templates resolved, secrets masked), or convert an IntelMQ configuration.")
    {
        Render(),
    };

    static Command Render()
    {
        var dir = ConfigtestCommand.DirOption();
        var id = new Argument<string?>("id") { Description = "One instance (its ID); default: every instance.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("render", "Print each instance's configuration with its templates resolved ({{ env.X }}, | file, | secret) and secrets shown as ***.") { id, dir };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(dir)!;
            var problems = new List<ConfigDiagnostic>();
            List<InstanceConfig> instances;
            if (parse.GetValue(id) is { } name)
            {
                var file = InstanceLoader.Find(name, directory)
                           ?? throw new ConfigurationException($"no instance '{name}': there is no {Path.Combine(directory, name + ".yaml")} (`intelmq config render` lists every instance).");
                instances = InstanceLoader.Load(file, Programs.Catalog, Channels.Catalog, problems, masked: true) is { } one ? [one] : [];
            }
            else instances = InstanceLoader.LoadDirectory(directory, Programs.Catalog, Channels.Catalog, problems, masked: true);
            foreach (var problem in problems) Console.Error.WriteLine(problem);
            var first = true;
            foreach (var instance in instances)
            {
                Console.Out.Write((first ? "" : "---\n") + $"# {instance.Id}: {instance.File}\n" + InstanceYaml.Render(instance));
                first = false;
            }
            return problems.Any(p => !p.IsWarning) ? 1 : 0;
        });
        return command;
    }
}
