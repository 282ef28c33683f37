using System.CommandLine;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary><c>intelmq help PROGRAM</c>: the program's man page.</summary>
public static class HelpCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("program") { Description = "A program name or the IntelMQ module it replaces." };
        var command = new Command("help", "Show a program's manual: synopsis, options with types and defaults, fields, examples.") { name };
        command.SetAction(parse =>
        {
            Console.Write(ManPage.Render(Programs.Catalog.Resolve(parse.GetValue(name)!)));
            return 0;
        });
        return command;
    }
}
