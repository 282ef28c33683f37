namespace IntelMQ.Contract;

/// <summary>Declares a program once: from this come <c>intelmq list</c>, <c>intelmq help</c> and the docs.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ProgramAttribute(string name, ProgramKind kind, string summary) : Attribute
{
    public string Name { get; } = name;
    public ProgramKind Kind { get; } = kind;
    public string Summary { get; } = summary;

    /// <summary>The IntelMQ bot modules this program replaces (<c>intelmq.bots.parsers.shadowserver.parser</c>).</summary>
    public string[] Modules { get; init; } = [];

    public string Description { get; init; } = "";

    /// <summary>
    /// The options record the program's constructor takes. A constructor may take the options, a
    /// <see cref="ProgramContext"/>, both in that order, or neither.
    /// </summary>
    public Type? Options { get; init; }

    /// <summary>The named output paths the program can emit to besides <c>_default</c> (a filter's <c>matched</c>, say).</summary>
    public string[] Paths { get; init; } = [];

    /// <summary>
    /// The program's reference data (<c>--self-update-db</c>): a type implementing <see cref="IReferenceData"/>, constructed
    /// like the program from its options and context.
    /// </summary>
    public Type? ReferenceData { get; init; }

    /// <summary>An expert that takes reports as well as events (IntelMQ's filter passes reports on); others refuse them.</summary>
    public bool TakesReports { get; init; }

    public string[] FieldsRead { get; init; } = [];
    public string[] FieldsWritten { get; init; } = [];
    public string[] Examples { get; init; } = [];
}
