using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Parlot;
using Parlot.Fluent;
using static Parlot.Fluent.Parsers;

namespace IntelMQ.Experts.Template;

/// <summary>
/// Fluid's Liquid grammar extended with the Jinja2 constructs IntelMQ's jinja templates use: <c>set</c> with dict and list
/// literals, <c>for key, value in d.items()</c> with <c>loop</c>, <c>if</c>/<c>elif</c> with Jinja truth, <c>not</c>, the
/// methods of dicts and strings, <c>None</c>/<c>True</c>/<c>False</c> and filter arguments in parentheses. Anything else
/// Jinja has is a syntax error here, reported with its line and column when the template is parsed.
/// </summary>
public sealed class JinjaParser : FluidParser
{
    public JinjaParser()
    {
        var literalPrimary = Primary.Parser!;
        var call = LParen.SkipAnd(ZeroOrOne(Separated(Comma, FilterExpression))).AndSkip(RParen.ElseError("')' was expected after the arguments"))
            .Then(static arguments => arguments ?? []);
        var attribute = Literals.Char('.').SkipAnd(Identifier).And(ZeroOrOne(call))
            .Then<JinjaAccess.Segment>(static (context, x) => x.Item2 is null ? new JinjaAccess.Attribute(x.Item1)
                : JinjaMethods.Names.Contains(x.Item1) ? new JinjaAccess.Method(x.Item1, x.Item2)
                : throw new Parlot.ParseException($"the method {x.Item1}() is not supported (supported: {string.Join(", ", JinjaMethods.Names)})", context.Scanner.Cursor.Position));
        var index = Literals.Char('[').SkipAnd(FilterExpression).AndSkip(RBracket).Then<JinjaAccess.Segment>(static x => new JinjaAccess.Index(x));
        var access = Identifier.And(ZeroOrMany(OneOf(attribute, index)))
            .Then<Expression>(static x => x.Item2.Count == 0 && Keyword(x.Item1) is { } keyword ? keyword : new JinjaAccess(x.Item1, x.Item2));
        var dictionary = LBrace.SkipAnd(ZeroOrOne(Separated(Comma, Primary.AndSkip(Colon).And(FilterExpression)))).AndSkip(RBrace.ElseError("'}' was expected to close the dict"))
            .Then<Expression>(static x => new JinjaDictionary(x ?? []));
        var list = Terms.Char('[').SkipAnd(ZeroOrOne(Separated(Comma, FilterExpression))).AndSkip(RBracket.ElseError("']' was expected to close the list"))
            .Then<Expression>(static x => new JinjaList(x ?? []));
        var not = Terms.Text("not").AndSkip(Literals.WhiteSpace()).SkipAnd(CombinatoryExpression).Then<Expression>(static x => new JinjaNot(x));
        Primary.Parser = OneOf(not, dictionary, list, access, literalPrimary);

        // Jinja passes filter arguments in parentheses (| default('x')); Liquid's colon form still works.
        FilterExpression.Parser = LogicalExpression
            .And(ZeroOrMany(Pipe.SkipAnd(Identifier.ElseError("a filter name was expected after '|'"))
                .And(ZeroOrOne(Colon.SkipAnd(ArgumentsList).Or(LParen.SkipAnd(ZeroOrOne(ArgumentsList)).AndSkip(RParen).Then(static x => x ?? []))))))
            .Then(static x =>
            {
                var result = x.Item1;
                foreach (var (name, arguments) in x.Item2) result = new Fluid.Ast.FilterExpression(result, name, arguments ?? []);
                return result;
            });

        RegisteredTags["set"] = Identifier.ElseError("a name was expected after 'set'")
            .AndSkip(Equal.ElseError("'=' was expected after the name in 'set' (the block form {% set x %}...{% endset %} is not supported)"))
            .And(FilterExpression).AndSkip(TagEnd.ElseError("'%}' was expected"))
            .Then<Statement>(static x => new AssignStatement(x.Item1, x.Item2));

        RegisteredTags["if"] = FilterExpression.AndSkip(TagEnd).And(AnyTagsList)
            .And(ZeroOrMany(TagStart.SkipAnd(Terms.Text("elif").Or(Terms.Text("elsif"))).SkipAnd(FilterExpression).AndSkip(TagEnd).And(AnyTagsList))
                .Then(static x => x.Select(e => new ElseIfStatement(new JinjaTruth(e.Item1), e.Item2)).ToList()))
            .And(ZeroOrOne(CreateTag("else").SkipAnd(AnyTagsList)).Then(static x => x is null ? null : new ElseStatement(x)))
            .AndSkip(CreateTag("endif").ElseError("'{% endif %}' was expected"))
            .Then<Statement>(static x => new IfStatement(new JinjaTruth(x.Item1), x.Item2, x.Item4, x.Item3))
            .ElseError("Invalid 'if' tag");

        RegisteredTags["for"] = Separated(Comma, Identifier).AndSkip(Terms.Text("in").ElseError("'in' was expected in 'for'")).And(FilterExpression)
            .AndSkip(TagEnd).And(AnyTagsList)
            .And(ZeroOrOne(CreateTag("else").SkipAnd(AnyTagsList)))
            .AndSkip(CreateTag("endfor").ElseError("'{% endfor %}' was expected"))
            .Then<Statement>(static x => new JinjaForStatement(x.Item1, x.Item2, x.Item3, x.Item4))
            .ElseError("Invalid 'for' tag");
    }

    static Expression? Keyword(string name) => name switch
    {
        "none" or "None" or "nil" or "null" => new LiteralExpression(NilValue.Instance),
        "true" or "True" => new LiteralExpression(BooleanValue.True),
        "false" or "False" => new LiteralExpression(BooleanValue.False),
        "empty" => new LiteralExpression(EmptyValue.Instance),
        "blank" => new LiteralExpression(BlankValue.Instance),
        _ => null,
    };
}
