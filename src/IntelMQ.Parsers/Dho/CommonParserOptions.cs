namespace IntelMQ.Parsers.Dho;

/// <summary>The options of a parser that takes only IntelMQ's common parser parameters.</summary>
public sealed record CommonParserOptions : DhoParserOptions;
