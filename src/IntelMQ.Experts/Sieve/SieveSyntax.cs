namespace IntelMQ.Experts.Sieve;

/// <summary>A value in a rule: a literal (text, number, boolean, list), a variable, or a field of the event.</summary>
sealed record SieveOperand(object? Literal, string? Variable = null, string? Field = null);

abstract record SieveStatement;

/// <summary><c>if</c> with its <c>elif</c>s and <c>else</c> (a branch without a condition).</summary>
sealed record SieveIf(List<(SieveCondition? When, List<SieveStatement> Then)> Branches) : SieveStatement;

enum SieveVerb { Keep, Drop, Path, Add, Update, Remove, Append, Assign }

/// <summary>One action; <see cref="Arithmetic"/> is '+' or '-' for <c>+=</c>/<c>-=</c>, else '='.</summary>
sealed record SieveAction(SieveVerb Verb, string? Field, SieveOperand? Value, bool Force, char Arithmetic, string[] Paths, string Where) : SieveStatement;

abstract record SieveCondition;

sealed record SieveAnd(SieveCondition Left, SieveCondition Right) : SieveCondition;

sealed record SieveOr(SieveCondition Left, SieveCondition Right) : SieveCondition;

sealed record SieveNot(SieveCondition Inner) : SieveCondition;

sealed record SieveExists(string Field, bool Wanted) : SieveCondition;

sealed record SieveCompare(string Field, string Operator, SieveOperand Value) : SieveCondition;
