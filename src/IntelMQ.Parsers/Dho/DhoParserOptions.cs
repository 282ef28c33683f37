using IntelMQ.Contract;

namespace IntelMQ.Parsers.Dho;

/// <summary>The parameters every IntelMQ parser takes, for the parsers that answer to IntelMQ's module names.</summary>
public abstract record DhoParserOptions
{
    [Option("Fields (IntelMQ names, e.g. classification.type: c2-server) added to every event that parsing did not set.", Aliases = ["defaults_fields"])]
    public IReadOnlyDictionary<string, string>? DefaultFields { get; set; }

    [Option("Fields of the report (IntelMQ names, e.g. extra.file_name) copied to every event that parsing did not set.")]
    public string[]? CopyCollectorProvidedFields { get; set; }
}
