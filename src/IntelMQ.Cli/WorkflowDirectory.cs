using System.CommandLine;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary>
/// Where a workflow is: its config.d, and its home when it has one (a directory with etc/config.d, used as INTELMQ_HOME:
/// var/ beside etc/ holds its state, pid files and logs, and relative paths in its files are relative to it).
/// </summary>
public sealed record WorkflowDirectory(string ConfigDirectory, string? Home)
{
    /// <summary>The <c>--dir</c> option of every command that reads a workflow.</summary>
    public static Option<string?> DirOption(string more = "") => new("--dir", "-d")
    {
        Description = "The workflow: a directory with etc/config.d (its home" + more + "), or a configuration directory itself (one ID.yaml per "
                      + "program instance). Default: $INTELMQ_HOME/etc/config.d (docs/configuration.md).",
    };

    /// <summary>The configuration directory <c>--dir</c> names, entered as a run would (<see cref="Enter"/>) so templates and relative paths read the same.</summary>
    public static string Entered(ParseResult parse, Option<string?> dir)
    {
        var workflow = Resolve(parse.GetValue(dir));
        workflow.Enter();
        return workflow.ConfigDirectory;
    }

    /// <summary>
    /// <paramref name="dir"/> is a workflow's home (it has etc/config.d) or a configuration directory itself; null: the
    /// installation's (<see cref="Installation.ConfigDirectory"/>, INTELMQ_HOME).
    /// </summary>
    public static WorkflowDirectory Resolve(string? dir)
    {
        if (dir is null)
            return new(Installation.ConfigDirectory, Environment.GetEnvironmentVariable("INTELMQ_HOME") is { Length: > 0 } home ? Path.GetFullPath(home) : null);
        var full = Path.GetFullPath(dir);
        var config = Path.Combine(full, "etc", "config.d");
        return Directory.Exists(config) ? new(config, full) : new(full, null);
    }

    /// <summary>The workflow's var/: state, dumps, pid files (run/) and logs (log/).</summary>
    public string StateDirectory => Home is null ? Installation.StateDirectory : Path.Combine(Home, "var");

    public string PidFile(string id) => Path.Combine(StateDirectory, "run", id + ".pid");

    public string LogFile(string id) => Path.Combine(StateDirectory, "log", id + ".log");

    /// <summary>This process works in the workflow's home: INTELMQ_HOME for templates and state, and the working directory for relative paths.</summary>
    public void Enter()
    {
        if (Home is null) return;
        Environment.SetEnvironmentVariable("INTELMQ_HOME", Home);
        Directory.SetCurrentDirectory(Home);
    }
}
