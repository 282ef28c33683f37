using System.CommandLine;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary><c>intelmq help PROGRAM</c>: the program's man page.</summary>
public static class HelpCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("program") { Description = "A program name or the IntelMQ module it replaces." };
        var schema = new Option<bool>("--schema") { Description = "Print the JSON Schema of the program's YAML configuration file (schema/programs/NAME.schema.json) instead." };
        var command = new Command("help", "Show a program's manual: synopsis, options with types and defaults, fields, examples.") { name, schema };
        command.SetAction(parse =>
        {
            var program = Programs.Catalog.Resolve(parse.GetValue(name)!);
            Console.Write(parse.GetValue(schema) ? ProgramSchema.Generate(program) : ManPage.Render(program));
            return 0;
        });
        return command;
    }
}
