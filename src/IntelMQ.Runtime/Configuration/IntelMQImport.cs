namespace IntelMQ.Runtime.Configuration;

/// <summary>What <see cref="IntelMQImporter"/> made: one config.d file per bot, and what it could not map, with why.</summary>
public sealed record IntelMQImport(IReadOnlyList<(string Id, string Yaml)> Files, IReadOnlyList<string> Notes);
