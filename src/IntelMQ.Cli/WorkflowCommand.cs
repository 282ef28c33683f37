using System.CommandLine;

namespace IntelMQ.Cli;

/// <summary><c>intelmq workflow run [DIR]</c>: the whole workflow in one process (<see cref="WorkflowRun"/>).</summary>
public static class WorkflowCommand
{
    public static Command Create()
    {
        var dir = new Argument<string?>("dir")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = "The workflow: a directory with etc/config.d (its home: var/ beside etc/ holds its state, relative paths are relative to it), "
                          + "or a configuration directory itself. Default: $INTELMQ_HOME/etc/config.d.",
        };
        var run = new Command("run", "Run every enabled instance of the workflow in this process, over the channels its files name (memory: between programs, sqlite: for a durable queue, no server needed). "
                                     + "One-shot collectors: the run ends when all input has gone through; otherwise at SIGINT/SIGTERM, after what is in the queues has gone through. Prints what each instance did.")
        {
            dir,
        };
        run.SetAction(parse => WorkflowRun.Run(WorkflowDirectory.Resolve(parse.GetValue(dir)), Console.Out, Console.Error));
        return new Command("workflow", "Run a whole workflow (config.d) in one process: `intelmq workflow run [DIR]`.") { run };
    }
}
