namespace IntelMQ.Runtime.Configuration;

/// <summary>A problem found in a configuration file: where it is, what is wrong and how to fix it. Warnings do not fail a check.</summary>
public sealed record ConfigDiagnostic(string File, int Line, string Message, bool IsWarning = false)
{
    public override string ToString() => $"{File}{(Line > 0 ? $":{Line}" : "")}: {(IsWarning ? "warning: " : "")}{Message}";
}
