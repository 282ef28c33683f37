using System.CommandLine;
using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Cli;

/// <summary><c>intelmq systemd [--dir D] [--to DIR] [--user]</c>: writes the workflow's units (<see cref="SystemdUnits"/>) and says how to enable them.</summary>
public static class SystemdCommand
{
    public static Command Create()
    {
        var dir = WorkflowDirectory.DirOption(", the units' INTELMQ_HOME");
        var to = new Option<string?>("--to") { Description = "Where to write the units. Default: /etc/systemd/system, with --user ~/.config/systemd/user." };
        var user = new Option<bool>("--user") { Description = "Units for the user's own systemd (systemctl --user), started at login rather than at boot." };
        var command = new Command("systemd", "Write systemd units for the workflow: the template intelmq@.service (intelmq@ID.service runs config.d/ID.yaml; restarted on failure, reloaded with SIGHUP) and intelmq.target, which starts its enabled instances. Prints the systemctl commands to enable them.")
        {
            dir, to, user,
        };
        command.SetAction(parse =>
        {
            var workflow = WorkflowDirectory.Resolve(parse.GetValue(dir));
            var isUser = parse.GetValue(user);
            var problems = new List<ConfigDiagnostic>();
            var instances = InstanceLoader.LoadDirectory(workflow.ConfigDirectory, Programs.Catalog, Channels.Catalog, problems);
            if (problems.Any(p => !p.IsWarning))
            {
                foreach (var problem in problems.Where(p => !p.IsWarning)) Console.Out.WriteLine(problem);
                Console.Out.WriteLine($"systemd: no units written: fix {workflow.ConfigDirectory} first (`intelmq configtest`).");
                return 1;
            }
            var target = parse.GetValue(to) ?? (isUser ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "systemd", "user") : "/etc/systemd/system");
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Combine(target, "intelmq@.service"), SystemdUnits.Service(DaemonControl.Command(), workflow));
            File.WriteAllText(Path.Combine(target, "intelmq.target"), SystemdUnits.Target(instances, workflow, isUser));
            var systemctl = isUser ? "systemctl --user" : "systemctl";
            Console.Out.WriteLine($"Wrote {Path.Combine(target, "intelmq@.service")} and {Path.Combine(target, "intelmq.target")} ({SystemdUnits.Wanted(instances).Count()} instances). Enable and start them:");
            Console.Out.WriteLine($"  {systemctl} daemon-reload");
            Console.Out.WriteLine($"  {systemctl} enable --now intelmq.target");
            Console.Out.WriteLine($"  {systemctl} status 'intelmq@*'              # one instance: {systemctl} reload|restart|stop intelmq@ID");
            foreach (var once in instances.Where(i => i.Enabled && i.RunMode == RunMode.Once))
                Console.Out.WriteLine($"{once.Id} runs once (run_mode: once) and is not in intelmq.target: `{systemctl} start intelmq@{once.Id}` runs it, or a timer (systemd.timer) does.");
            return 0;
        });
        return command;
    }
}
