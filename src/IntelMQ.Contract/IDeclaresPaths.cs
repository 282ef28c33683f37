namespace IntelMQ.Contract;

/// <summary>
/// A program whose named output paths come from its configuration (a sieve file's <c>path</c> statements) rather than
/// from <see cref="ProgramAttribute.Paths"/>: the runtime accepts an <c>--output</c> for these paths too.
/// </summary>
public interface IDeclaresPaths
{
    IReadOnlyList<string> DeclaredPaths { get; }
}
