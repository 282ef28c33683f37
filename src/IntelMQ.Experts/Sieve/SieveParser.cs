using System.Net;
using System.Text.RegularExpressions;
using IntelMQ.Core;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Sieve;

/// <summary>
/// Reads IntelMQ's sieve language into statements, checking field names, operators and values against the fields'
/// types, so that a broken file is refused at start with its line and column. Nesting deeper than
/// <see cref="MaxDepth"/> is refused, so parsing and evaluation recurse no deeper than that.
/// </summary>
sealed class SieveParser
{
    public const int MaxDepth = 64;

    static readonly HashSet<string> ValueOperators = ["==", "!=", "<", ">", "<=", ">=", "=~", "!~", "<<"];
    static readonly HashSet<string> WordOperators =
        [":contains", ":in", ":containsany", ":regexin", ":before", ":after", ":equals", ":setequals", ":overlaps", ":subsetof", ":supersetof", ":notin"];
    static readonly HashSet<FieldType> Numeric = [FieldType.Integer, FieldType.Float, FieldType.Port, FieldType.Asn, FieldType.Accuracy];

    readonly List<SieveToken> _tokens;
    readonly string _source;
    int _next, _depth;

    SieveParser(List<SieveToken> tokens, string source) => (_tokens, _source) = (tokens, source);

    public static List<SieveStatement> Parse(string text, string source)
    {
        var parser = new SieveParser(SieveLexer.Tokenize(text, source), source);
        var statements = new List<SieveStatement>();
        while (parser.Peek.Kind != TokenKind.End) statements.Add(parser.Statement());
        return statements;
    }

    SieveToken Peek => _tokens[_next];

    SieveToken Take() => _tokens[_next++];

    SieveToken Expect(string symbol)
    {
        var token = Take();
        return token.Is(symbol) ? token : throw Error(token, $"expected '{symbol}', found {Describe(token)}");
    }

    SieveStatement Statement()
    {
        var token = Peek;
        if (token.Is("if"))
        {
            Take();
            var branches = new List<(SieveCondition?, List<SieveStatement>)> { (Condition(), Block()) };
            while (Peek.Is("elif"))
            {
                Take();
                branches.Add((Condition(), Block()));
            }
            if (Peek.Is("else"))
            {
                Take();
                branches.Add((null, Block()));
            }
            return new SieveIf(branches);
        }
        return Action();
    }

    List<SieveStatement> Block()
    {
        var open = Expect("{");
        Enter(open);
        var statements = new List<SieveStatement>();
        while (!Peek.Is("}"))
        {
            if (Peek.Kind == TokenKind.End) throw Error(open, "this '{' is never closed");
            statements.Add(Statement());
        }
        Take();
        _depth--;
        return statements;
    }

    SieveAction Action()
    {
        var token = Take();
        var where = token.Where;
        switch (token.Kind, token.Text)
        {
            case (TokenKind.Word, "keep"): return new(SieveVerb.Keep, null, null, false, '=', [], where);
            case (TokenKind.Word, "drop"): return new(SieveVerb.Drop, null, null, false, '=', [], where);
            case (TokenKind.Word, "path"):
                var paths = Peek.Is("[") ? List(Take()).Select(v => v as string ?? throw Error(token, "a path name must be text")).ToArray()
                    : Take() is { Kind: TokenKind.String, Value: string one } ? [one] : throw Error(_tokens[_next - 1], "expected a path name in quotes");
                return new(SieveVerb.Path, null, null, false, '=', paths, where);
            case (TokenKind.Word, "remove"): return new(SieveVerb.Remove, Field(Take()), null, false, '=', [], where);
            case (TokenKind.Word, "add" or "add!" or "update"):
            {
                var field = Field(Take());
                var op = Take();
                var arithmetic = op.Text switch
                {
                    "=" => '=',
                    "+=" => '+',
                    "-=" => '-',
                    _ => throw Error(op, $"expected '=', '+=' or '-=' after {field}, found {Describe(op)}"),
                };
                var value = Operand(Take());
                if (arithmetic != '=' && value.Literal is not string)
                    throw Error(op, $"'{op.Text}' takes a time span in quotes, such as '1 hour'");
                if (arithmetic != '=' && !RelativeTime.TryParse((string)value.Literal!, out _))
                    throw Error(op, $"'{value.Literal}' is not a time span such as '1 hour' or '2 days'");
                if (arithmetic == '=' && value.Literal is not null) CheckValue(token, field, value.Literal);
                return new(token.Text == "update" ? SieveVerb.Update : SieveVerb.Add, field, value, token.Text == "add!", arithmetic, [], where);
            }
            case (TokenKind.Word, "append" or "append!"):
            {
                var field = Field(Take());
                return new(SieveVerb.Append, field, Operand(Take()), token.Text == "append!", '=', [], where);
            }
            case (TokenKind.Variable, _):
                Expect("=");
                return new(SieveVerb.Assign, token.Text, Operand(Take()), false, '=', [], where);
            default:
                throw Error(token, $"expected a statement (if, add, add!, update, remove, append, keep, drop, path), found {Describe(token)}");
        }
    }

    SieveCondition Condition()
    {
        Enter(Peek);
        var left = Conjunction();
        while (Peek.Is("||"))
        {
            Take();
            left = new SieveOr(left, Conjunction());
        }
        _depth--;
        return left;
    }

    SieveCondition Conjunction()
    {
        var left = Unary();
        while (Peek.Is("&&"))
        {
            Take();
            left = new SieveAnd(left, Unary());
        }
        return left;
    }

    SieveCondition Unary()
    {
        var token = Take();
        if (token.Is("!"))
        {
            Enter(token);
            var inner = Unary();
            _depth--;
            return new SieveNot(inner);
        }
        if (token.Is("("))
        {
            var inner = Condition();
            Expect(")");
            return inner;
        }
        if (token.Kind == TokenKind.Operator && token.Text is ":exists" or ":notexists")
            return new SieveExists(Field(Take()), token.Text == ":exists");
        var field = Field(token);
        var op = Take();
        if (!(op.Kind == TokenKind.Symbol && ValueOperators.Contains(op.Text)) && !(op.Kind == TokenKind.Operator && WordOperators.Contains(op.Text)))
            throw Error(op, $"expected a comparison (==, !=, <, >, <=, >=, =~, !~, <<, :in, :contains, ...) after {token.Text}, found {Describe(op)}");
        var value = Operand(Take());
        CheckComparison(op, field, value);
        return new SieveCompare(field, op.Text, value);
    }

    SieveOperand Operand(SieveToken token) => token.Kind switch
    {
        TokenKind.String or TokenKind.Number => new(token.Value),
        TokenKind.Variable => new(null, Variable: token.Text),
        TokenKind.Word when token.Text is "true" or "false" => new(token.Text == "true"),
        TokenKind.Word => new(null, Field: Field(token)),
        TokenKind.Symbol when token.Text == "[" => new(List(token)),
        _ => throw Error(token, $"expected a value, found {Describe(token)}"),
    };

    List<object> List(SieveToken open)
    {
        var items = new List<object>();
        while (!Peek.Is("]"))
        {
            var item = Take();
            items.Add(item.Kind switch
            {
                TokenKind.String or TokenKind.Number => item.Value!,
                TokenKind.Word when item.Text is "true" or "false" => item.Text == "true",
                _ => throw Error(item, $"a list holds text, numbers and true/false; found {Describe(item)}"),
            });
            if (!Peek.Is("]")) Expect(",");
        }
        Take();
        return items;
    }

    string Field(SieveToken token)
    {
        if (token.Kind != TokenKind.Word) throw Error(token, $"expected a field name, found {Describe(token)}");
        var path = IntelMQFields.ToIdf(token.Text);
        return FieldCatalogue.Default.Find(path) is null ? throw Error(token, $"'{token.Text}' is not a field") : path;
    }

    void CheckComparison(SieveToken op, string field, SieveOperand value)
    {
        var type = FieldCatalogue.Default.Find(field)!.Type;
        var items = value.Literal is List<object> list ? list : value.Literal is { } one ? [one] : [];
        foreach (var item in items)
        {
            if (op.Text is "=~" or "!~" or ":regexin")
            {
                if (item is not string pattern) throw Error(op, $"'{op.Text}' takes regular expressions in quotes");
                try { _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException ex) { throw Error(op, $"'{pattern}' is not a regular expression: {ex.Message}"); }
            }
            else if (op.Text == "<<")
            {
                if (item is not string network || !IPNetwork.TryParse(network, out _)) throw Error(op, $"'<<' takes networks such as '10.0.0.0/8', not {item}");
            }
            else if (op.Text is ":before" or ":after")
            {
                if (item is not string time || !(RelativeTime.TryParse(time, out _) || RelativeTime.TryParseAbsolute(time, out _)))
                    throw Error(op, $"'{op.Text}' takes a date or a time span in quotes, not {item}");
            }
            else if (item is long or double && type != FieldType.Json && !Numeric.Contains(type))
                throw Error(op, $"{field} holds {type.ToString().ToLowerInvariant()} values and cannot be compared with the number {item}");
            else if (op.Text is "<" or ">" or "<=" or ">=" && item is not (long or double))
                throw Error(op, $"'{op.Text}' compares numbers, not {item}");
            else if (item is string text && type == FieldType.Ip && op.Text is "==" or "!=" or ":in" or ":notin" && !IPAddress.TryParse(text, out _))
                throw Error(op, $"'{text}' is not an IP address, so {field} can never equal it");
        }
    }

    void CheckValue(SieveToken at, string field, object value)
    {
        var scratch = new Event();
        if (!scratch.TryAdd(field, value)) throw Error(at, $"{Describe(value)} is not a valid value for {field}");
    }

    void Enter(SieveToken at)
    {
        if (++_depth > MaxDepth) throw Error(at, $"nested deeper than {MaxDepth} levels");
    }

    static string Describe(object value) => value is string s ? $"'{s}'" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    static string Describe(SieveToken token) => token.Kind == TokenKind.End ? "the end of the file" : $"'{token.Text}'";

    Exception Error(SieveToken token, string message) => SieveLexer.Error(_source, token.Line, token.Column, message);
}
