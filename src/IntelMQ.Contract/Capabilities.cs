namespace IntelMQ.Contract;

/// <summary>
/// Checks that a program's servers are reachable (a database, an API): run by <c>connectiontest --live</c> and
/// behind <c>/ready</c>. Throws, with a message an operator can act on, when they are not.
/// </summary>
public interface IHealthCheck
{
    ValueTask CheckAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A program's own check that it is usable as configured (<c>--self-test</c>): returns what it found, one line each
/// (the reference data it loaded: file, entries, age); throws with what is wrong when it is not usable.
/// </summary>
public interface ISelfTest
{
    ValueTask<IReadOnlyList<string>> SelfTestAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reference data a program keeps locally (a schema, a database, a list), refreshed with <c>--self-update-db</c>. Named
/// by <see cref="ProgramAttribute.ReferenceData"/>; created with the program's options and context.
/// </summary>
/// <remarks>Download into a temporary file, verify it, then move it into place atomically; on any failure keep the old copy and throw.</remarks>
public interface IReferenceData
{
    /// <returns>A line saying what was updated.</returns>
    ValueTask<string> UpdateAsync(CancellationToken cancellationToken);
}
