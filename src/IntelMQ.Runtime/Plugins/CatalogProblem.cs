namespace IntelMQ.Runtime;

/// <summary>A program or plugin the catalogue left out: the file it came from and why.</summary>
public sealed record CatalogProblem(string File, string Reason)
{
    public override string ToString() => $"{File}: {Reason}";
}
