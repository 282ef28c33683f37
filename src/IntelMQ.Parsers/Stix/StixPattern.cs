using System.Text;

namespace IntelMQ.Parsers.Stix;

/// <summary>
/// The part of the STIX 2.1 patterning language that names concrete values: equalities (and <c>IN</c> lists) joined by
/// <c>AND</c> and <c>OR</c> within an observation, observations joined by <c>OR</c>. The result is a list of
/// alternatives, each a group of equalities about one object (one event each). Everything else (observations joined by
/// <c>AND</c> or <c>FOLLOWEDBY</c>, qualifiers, other operators, <c>AND</c> across object types) is refused with the
/// reason. Iterative (shunting-yard, then a stack of alternatives), so nesting cannot exhaust the stack.
/// </summary>
public static class StixPattern
{
    /// <summary>The longest pattern read, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The most alternatives a pattern may expand to (AND over OR multiplies them).</summary>
    public const int MaxAlternatives = 10_000;

    enum Kind { Comparison, And, Or, ObservationAnd, Open, Close, OpenObservation, CloseObservation }

    readonly record struct Token(Kind Kind, IReadOnlyList<StixComparison>? Values = null);

    /// <summary>The alternatives the pattern matches, each the equalities about one object.</summary>
    /// <exception cref="FormatException">The pattern is not valid, or uses what cannot be turned into values; the message says what.</exception>
    public static List<List<StixComparison>> Parse(string pattern)
    {
        if (pattern.Length > MaxLength) throw new FormatException($"the pattern is longer than {MaxLength} characters");
        var output = new List<Token>();
        var operators = new Stack<Token>();
        foreach (var token in Tokens(pattern))
        {
            switch (token.Kind)
            {
                case Kind.Comparison:
                    output.Add(token);
                    break;
                case Kind.Open or Kind.OpenObservation:
                    operators.Push(token);
                    break;
                case Kind.Close or Kind.CloseObservation:
                    var open = token.Kind == Kind.Close ? Kind.Open : Kind.OpenObservation;
                    while (operators.Count > 0 && operators.Peek().Kind is not (Kind.Open or Kind.OpenObservation))
                        output.Add(operators.Pop());
                    if (operators.Count == 0 || operators.Pop().Kind != open)
                        throw new FormatException($"unbalanced '{(token.Kind == Kind.Close ? ')' : ']')}'");
                    break;
                default:
                    // AND binds tighter than OR; both are left-associative.
                    while (operators.Count > 0 && operators.Peek().Kind is Kind.And or Kind.Or or Kind.ObservationAnd
                           && Precedence(operators.Peek().Kind) >= Precedence(token.Kind))
                        output.Add(operators.Pop());
                    operators.Push(token);
                    break;
            }
        }
        while (operators.Count > 0)
        {
            var token = operators.Pop();
            if (token.Kind is Kind.Open or Kind.OpenObservation) throw new FormatException("unbalanced '(' or '['");
            output.Add(token);
        }
        return Evaluate(output);
    }

    static int Precedence(Kind kind) => kind == Kind.Or ? 1 : 2;

    static List<List<StixComparison>> Evaluate(List<Token> rpn)
    {
        var stack = new Stack<List<List<StixComparison>>>();
        foreach (var token in rpn)
        {
            if (token.Kind == Kind.Comparison)
            {
                stack.Push(token.Values!.Select(v => new List<StixComparison> { v }).ToList());
                continue;
            }
            if (stack.Count < 2) throw new FormatException("an operator lacks an operand");
            var right = stack.Pop();
            var left = stack.Pop();
            if (token.Kind == Kind.ObservationAnd)
                throw new FormatException("observations joined by AND or FOLLOWEDBY describe several objects seen together, not one value");
            if (token.Kind == Kind.Or)
            {
                if (left.Count + right.Count > MaxAlternatives) throw new FormatException($"the pattern has more than {MaxAlternatives} alternatives");
                left.AddRange(right);
                stack.Push(left);
                continue;
            }
            if ((long)left.Count * right.Count > MaxAlternatives) throw new FormatException($"the pattern has more than {MaxAlternatives} alternatives");
            var product = new List<List<StixComparison>>(left.Count * right.Count);
            foreach (var l in left)
                foreach (var r in right)
                    product.Add([.. l, .. r]);
            stack.Push(product);
        }
        if (stack.Count != 1) throw new FormatException(stack.Count == 0 ? "the pattern is empty" : "comparisons are not joined by an operator");
        var alternatives = stack.Pop();
        foreach (var group in alternatives)
            if (group.Select(c => c.ObjectType).Distinct().Skip(1).Any())
                throw new FormatException($"AND across object types ({string.Join(", ", group.Select(c => c.ObjectType).Distinct())}) describes several objects, not one value");
        return alternatives;
    }

    static IEnumerable<Token> Tokens(string pattern)
    {
        var scanner = new Scanner(pattern);
        var inObservation = false;
        while (scanner.SkipBlank())
        {
            var c = scanner.Peek;
            switch (c)
            {
                case '[':
                    if (inObservation) throw new FormatException("'[' inside an observation");
                    inObservation = true;
                    scanner.Advance();
                    yield return new Token(Kind.OpenObservation);
                    continue;
                case ']':
                    if (!inObservation) throw new FormatException("']' outside an observation");
                    inObservation = false;
                    scanner.Advance();
                    yield return new Token(Kind.CloseObservation);
                    continue;
                case '(':
                    scanner.Advance();
                    yield return new Token(Kind.Open);
                    continue;
                case ')':
                    scanner.Advance();
                    yield return new Token(Kind.Close);
                    continue;
            }
            var word = scanner.Word();
            switch (word.ToUpperInvariant())
            {
                case "OR":
                    yield return new Token(Kind.Or);
                    continue;
                case "AND":
                    yield return new Token(inObservation ? Kind.And : Kind.ObservationAnd);
                    continue;
                case "FOLLOWEDBY":
                    yield return new Token(Kind.ObservationAnd);
                    continue;
                case "WITHIN" or "START" or "STOP" or "REPEATS":
                    throw new FormatException($"the temporal qualifier {word.ToUpperInvariant()} restricts when objects must be seen; it has no event value");
            }
            if (!inObservation) throw new FormatException($"'{Shorten(word)}' outside an observation");
            yield return new Token(Kind.Comparison, Comparison(word, scanner));
        }
        if (inObservation) throw new FormatException("an observation is not closed with ']'");
    }

    // objectType:path op value, where word is the object path already read.
    static List<StixComparison> Comparison(string path, Scanner scanner)
    {
        var colon = path.IndexOf(':');
        if (colon <= 0 || colon == path.Length - 1) throw new FormatException($"'{Shorten(path)}' is not an object path (type:property)");
        var objectType = path[..colon];
        var property = path[(colon + 1)..];
        if (!scanner.SkipBlank()) throw new FormatException($"the comparison of {Shorten(path)} has no operator");
        var op = scanner.Operator();
        if (op.Equals("NOT", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"NOT in the comparison of {Shorten(path)} matches everything but a value");
        if (op.Equals("IN", StringComparison.OrdinalIgnoreCase))
        {
            if (!scanner.SkipBlank() || scanner.Peek != '(') throw new FormatException($"IN of {Shorten(path)} is not followed by a list");
            scanner.Advance();
            var values = new List<StixComparison>();
            while (true)
            {
                if (!scanner.SkipBlank()) throw new FormatException($"the IN list of {Shorten(path)} is not closed");
                values.Add(new StixComparison(objectType, property, scanner.Literal()));
                if (values.Count > MaxAlternatives) throw new FormatException($"the pattern has more than {MaxAlternatives} alternatives");
                if (!scanner.SkipBlank()) throw new FormatException($"the IN list of {Shorten(path)} is not closed");
                var next = scanner.Peek;
                scanner.Advance();
                if (next == ')') return values;
                if (next != ',') throw new FormatException($"the IN list of {Shorten(path)} has '{next}' where ',' or ')' belongs");
            }
        }
        if (op != "=") throw new FormatException($"the operator {op} in the comparison of {Shorten(path)} does not name one value");
        if (!scanner.SkipBlank()) throw new FormatException($"the comparison of {Shorten(path)} has no value");
        return [new StixComparison(objectType, property, scanner.Literal())];
    }

    static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    sealed class Scanner(string text)
    {
        int _position;

        public char Peek => text[_position];

        public void Advance() => _position++;

        public bool SkipBlank()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position])) _position++;
            return _position < text.Length;
        }

        // An object path or keyword: everything up to blank space or a delimiter, quoted parts (hashes.'SHA-256') included.
        public string Word()
        {
            var start = _position;
            while (_position < text.Length)
            {
                var c = text[_position];
                if (c == '\'')
                {
                    _position = text.IndexOf('\'', _position + 1) is var end and >= 0 ? end + 1 : throw new FormatException("a quoted path component is not closed");
                    continue;
                }
                if (char.IsWhiteSpace(c) || c is '(' or ')' or ']' or '=' or '!' or '<' or '>') break;
                if (c == '[')
                {
                    if (ListIndexEnd() is var end and > 0) { _position = end + 1; continue; }
                    break;
                }
                _position++;
            }
            if (_position == start) throw new FormatException($"unexpected '{text[start]}' at character {start + 1}");
            return text[start.._position];
        }

        // The ']' closing a list index ([*] or [3]) at the position, or -1 when '[' opens something else.
        int ListIndexEnd()
        {
            var end = text.IndexOf(']', _position);
            if (end < 0 || end - _position > 12) return -1;
            var inner = text.AsSpan(_position + 1, end - _position - 1);
            return inner is "*" || (inner.Length > 0 && int.TryParse(inner, out _)) ? end : -1;
        }

        public string Operator()
        {
            var c = text[_position];
            if (c is '=' or '!' or '<' or '>')
            {
                var start = _position++;
                if (_position < text.Length && text[_position] == '=') _position++;
                return text[start.._position];
            }
            return Word();
        }

        // A string literal with \' and \\ escapes; other literal kinds (numbers, t'', h'', b'') as written.
        public string Literal()
        {
            var c = text[_position];
            if (c != '\'')
            {
                var word = Word();
                if (word.Length > 1 && word[1] == '\'' && word[0] is 't' or 'h' or 'b')
                    throw new FormatException($"a {word[0] switch { 't' => "timestamp", 'h' => "hex", _ => "binary" }} literal is not a value an event can hold");
                return word;
            }
            var value = new StringBuilder();
            _position++;
            while (_position < text.Length)
            {
                c = text[_position++];
                if (c == '\\' && _position < text.Length) value.Append(text[_position++]);
                else if (c == '\'') return value.ToString();
                else value.Append(c);
            }
            throw new FormatException("a string literal is not closed");
        }
    }
}
