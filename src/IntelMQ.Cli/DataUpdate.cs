using IntelMQ.Parsers.Shadowserver;
using IntelMQ.Runtime;

namespace IntelMQ.Cli;

/// <summary><c>--self-update-db</c>: refreshes a program's reference data; a no-op for programs without any.</summary>
public static class DataUpdate
{
    public static int Run(ProgramInfo program, object? options, TextWriter log)
    {
        if (program.Type != typeof(ShadowserverParser))
        {
            log.WriteLine($"{program.Name}: no reference data to update.");
            return 0;
        }
        var url = Environment.GetEnvironmentVariable("INTELMQ_SHADOWSERVER_SCHEMA_URL") is { Length: > 0 } u ? u : ShadowserverSchema.PublishedUrl;
        var target = (options as ShadowserverParserOptions)?.Schema is { Length: > 0 } schema ? schema : ShadowserverParser.UpdatedSchemaPath;
        var updated = ShadowserverSchemaUpdater.Update(url, target);
        log.WriteLine($"{program.Name}: schema from {url} ({updated.ReportTypes.Count} report types, created {updated.Created ?? "unknown"}) saved to {target}");
        return 0;
    }
}
