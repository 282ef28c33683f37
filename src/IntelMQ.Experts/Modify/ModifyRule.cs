using System.Text.RegularExpressions;

namespace IntelMQ.Experts.Modify;

/// <summary>One rule of a modify file: conditions on fields, and the values its then sets.</summary>
sealed record ModifyRule(string Name, List<ModifyCondition> Conditions, List<(string Field, object Value)> Then);

/// <summary>A field absent (<see cref="Absent"/>), matching a regular expression, or equal to a boolean or number.</summary>
sealed record ModifyCondition(string Field, bool Absent, Regex? Pattern, object? Value);
