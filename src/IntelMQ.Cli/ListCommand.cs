using System.CommandLine;

namespace IntelMQ.Cli;

/// <summary><c>intelmq list</c>: every program, its kind and what it does.</summary>
public static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List every program with its kind and a one-line description.");
        command.SetAction(_ =>
        {
            var programs = Programs.Catalog.Programs;
            var width = programs.Max(p => p.Name.Length);
            foreach (var p in programs)
                Console.WriteLine($"{p.Name.PadRight(width)}  {p.Kind.ToString().ToLowerInvariant(),-9}  {p.Declaration.Summary}");
            foreach (var problem in Programs.Catalog.Problems) Console.Error.WriteLine($"intelmq: plugin {problem}");
            return 0;
        });
        return command;
    }
}
