namespace IntelMQ.Contract;

/// <summary>Documents an option; the property's snake_case name is the option's name, its initial value the default.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>Other accepted names, such as IntelMQ's parameter names.</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>Smallest and largest accepted number, for numeric options.</summary>
    public double Min { get; init; } = double.MinValue;
    public double Max { get; init; } = double.MaxValue;

    /// <summary>
    /// JSON types a configuration file may give besides the option's own ("boolean", "array", "object", "number"),
    /// for IntelMQ parameters such as extract_files (true or a list of names) bound to a text option.
    /// </summary>
    public string[] AlsoAccepts { get; init; } = [];

    /// <summary>
    /// Where a list option given as one text is split (IntelMQ's comma-separated lists); null: the text is one item,
    /// for items that hold commas themselves (rsync's --chmod=Du+rwx,Fu+rw).
    /// </summary>
    public string? Separator { get; init; } = ",";

    /// <summary>Only a command-line flag (<c>--raw</c>, <c>--daemon</c>): not a key of the configuration file.</summary>
    public bool CommandLineOnly { get; init; }
}
