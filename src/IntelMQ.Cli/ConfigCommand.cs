using System.CommandLine;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq config render|import-intelmq</c>: show the configuration as it runs, convert an IntelMQ setup.</summary>
public static class ConfigCommand
{
    public static Command Create() => new("config", "Show the configuration as it runs (templates resolved, secrets masked), or convert an IntelMQ configuration.")
    {
        Render(),
        ImportIntelMQ(),
    };

    static Command ImportIntelMQ()
    {
        var path = new Argument<string>("path") { Description = "IntelMQ 3.x runtime.yaml, IntelMQ 2.x runtime.conf (pipeline.conf and defaults.conf beside it), or their directory." };
        var to = WorkflowDirectory.DirOption();
        to.Description = "Where to write one ID.yaml per bot: a workflow home (into its etc/config.d) or a configuration directory. Default: $INTELMQ_HOME/etc/config.d.";
        var force = new Option<bool>("--force") { Description = "Overwrite files that exist (by default they are kept and named)." };
        var command = new Command("import-intelmq", "Convert an IntelMQ configuration into config.d files: bots to programs, parameters to options, the same Redis queues; prints what it could not map and why.") { path, to, force };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(path)!;
            var directory = WorkflowDirectory.Resolve(parse.GetValue(to)).ConfigDirectory;
            var import = IntelMQImporter.Import(source, Programs.Catalog);
            Directory.CreateDirectory(directory);
            var written = 0;
            foreach (var (id, yaml) in import.Files)
            {
                var file = Path.Combine(directory, id + ".yaml");
                if (File.Exists(file) && !parse.GetValue(force))
                {
                    Console.Out.WriteLine($"{id}: {file} exists: kept (--force overwrites it).");
                    continue;
                }
                File.WriteAllText(file, yaml);
                written++;
            }
            foreach (var note in import.Notes) Console.Out.WriteLine(note);
            Console.Out.WriteLine($"import-intelmq: {written} of {import.Files.Count} bots written to {directory}, {import.Notes.Count} not converted as they were (above). Check them with `intelmq configtest --dir {directory}`.");
            return 0;
        });
        return command;
    }

    static Command Render()
    {
        var dir = WorkflowDirectory.DirOption();
        var id = new Argument<string?>("id") { Description = "One instance (its ID); default: every instance.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("render", "Print each instance's configuration with its templates resolved ({{ env.X }}, | file, | secret) and secrets shown as ***.") { id, dir };
        command.SetAction(parse =>
        {
            var directory = WorkflowDirectory.Entered(parse, dir);
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
