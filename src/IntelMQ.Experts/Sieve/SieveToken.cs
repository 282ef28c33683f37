namespace IntelMQ.Experts.Sieve;

enum TokenKind { Word, Variable, String, Number, Symbol, Operator, End }

/// <summary>One token of a sieve file with where it starts, for error messages.</summary>
readonly record struct SieveToken(TokenKind Kind, string Text, object? Value, int Line, int Column)
{
    public string Where => $"line {Line}, column {Column}";

    public bool Is(string symbol) => Kind is TokenKind.Symbol or TokenKind.Word or TokenKind.Operator && Text == symbol;
}
