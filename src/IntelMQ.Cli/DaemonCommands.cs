using System.CommandLine;
using System.Globalization;

namespace IntelMQ.Cli;

/// <summary>The command lines of <see cref="DaemonControl"/>: <c>intelmq start | stop | restart | reload | status [ID...]</c>.</summary>
public static class DaemonCommands
{
    static Option<string?> Dir() => WorkflowDirectory.DirOption(": pid files in var/run, logs in var/log");

    static Argument<string[]> Ids() => new("id") { Arity = ArgumentArity.ZeroOrMore, Description = "Instances (config.d/ID.yaml); default: all of them (start: the enabled ones)." };

    static Option<double> Timeout(double seconds) => new("--timeout")
    {
        Description = $"Seconds to wait (default {seconds.ToString(CultureInfo.InvariantCulture)}): a daemon finishes and acknowledges its batch in hand first.",
        DefaultValueFactory = _ => seconds,
    };

    public static IEnumerable<Command> Create()
    {
        yield return Command("start", "Start the workflow's instances (or those named) as background daemons: `intelmq run ID` under a supervisor that restarts it when it dies; pid in var/run/ID.pid, log in var/log/ID.log.",
            (control, ids, named, _) => control.Start(ids, named));
        var kill = new Option<bool>("--kill") { Description = "Send SIGKILL to a daemon still running after the timeout (its batch in hand is redelivered at the next start)." };
        yield return Command("stop", "Stop the instances' daemons: SIGTERM, then wait until each has finished and acknowledged its batch in hand.",
            (control, ids, _, parse) => control.Stop(ids, TimeSpan.FromSeconds(parse.GetValue<double>("--timeout")), parse.GetValue(kill)), Timeout(60), kill);
        yield return Command("restart", "Stop, then start the instances' daemons.",
            (control, ids, named, parse) => control.Stop(ids, TimeSpan.FromSeconds(parse.GetValue<double>("--timeout")), kill: false) & control.Start(ids, named), Timeout(60));
        yield return Command("reload", "Make the running daemons read their configuration again (SIGHUP): each finishes its batch, then runs the new configuration; one that is refused leaves the old running, and says why.",
            (control, ids, _, parse) => control.Reload(ids, TimeSpan.FromSeconds(parse.GetValue<double>("--timeout"))), Timeout(60));
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        yield return Command("status", "Show each instance: state (running, stopped, stale pid file, disabled), pid, uptime and, from its metrics endpoint (`metrics:`), messages per second, errors (retries), dumped messages and queue depths.",
            (control, ids, _, parse) =>
            {
                var statuses = control.Statuses(ids).ToList();
                control.Print(statuses, parse.GetValue(json));
                return !statuses.Any(s => s.State == "stale");
            }, json);
    }

    static Command Command(string name, string description, Func<DaemonControl, IReadOnlyList<string>, bool, ParseResult, bool> action, params Option[] options)
    {
        var dir = Dir();
        var ids = Ids();
        var command = new Command(name, description) { dir, ids };
        foreach (var option in options) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var workflow = WorkflowDirectory.Resolve(parse.GetValue(dir));
            var control = new DaemonControl(workflow, Console.Out);
            var named = parse.GetValue(ids) ?? [];
            var selected = control.Select(named, withPidFiles: name != "start");
            if (selected is null) return 2;
            return action(control, selected, named.Length > 0, parse) ? 0 : 1;
        });
        return command;
    }
}
