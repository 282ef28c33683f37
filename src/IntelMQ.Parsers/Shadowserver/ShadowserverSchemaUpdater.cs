using IntelMQ.Contract;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>Fetches Shadowserver's published schema, checks it, and replaces the local copy atomically.</summary>
public sealed class ShadowserverSchemaUpdater(ShadowserverParserOptions options, ProgramContext context) : IReferenceData
{
    public async ValueTask<string> UpdateAsync(CancellationToken cancellationToken)
    {
        var target = ShadowserverParser.SchemaPath(options, context)
                     ?? throw new ConfigurationException("shadowserver-parser: no place to keep the schema: set the schema option to a file path.");
        var url = options.SchemaUrl;
        var updated = await Task.Run(() => Update(url, target), cancellationToken);
        return $"schema from {url} ({updated.ReportTypes.Count} report types, created {updated.Created ?? "unknown"}) saved to {target}";
    }

    /// <exception cref="IOException">The schema could not be fetched or is not valid; the old copy is kept.</exception>
    public static ShadowserverSchema Update(string url, string target)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        byte[] body;
        try
        {
            body = http.GetByteArrayAsync(url).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new IOException($"cannot fetch the Shadowserver schema from {url}: {ex.Message}", ex);
        }
        ShadowserverSchema schema;
        try
        {
            schema = ShadowserverSchema.Load(new MemoryStream(body), url);
        }
        catch (InvalidDataException ex)
        {
            throw new IOException($"{ex.Message}; the current schema is kept.", ex);
        }
        if (schema.ReportTypes.Count == 0) throw new IOException($"the schema from {url} holds no report types; the current schema is kept.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        var temp = target + ".tmp";
        File.WriteAllBytes(temp, body);
        File.Move(temp, target, overwrite: true);
        return schema;
    }
}
