using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary><c>--self-update-db</c>: refreshes the reference data a program declares; a no-op for programs without any.</summary>
public static class DataUpdate
{
    public static int Run(ProgramInfo program, object? options, ProgramContext context, TextWriter log)
    {
        if (program.CreateReferenceData(options, context) is not { } data)
        {
            log.WriteLine($"{program.Name}: no reference data to update.");
            return 0;
        }
        log.WriteLine($"{program.Name}: {data.UpdateAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()}");
        return 0;
    }
}
