using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>
/// Jinja's <c>for</c>: one name, or several unpacked from each item (<c>for key, value in d.items()</c>), a dict iterated
/// by its keys, <c>loop</c> (index, index0, revindex, revindex0, first, last, length; Liquid's <c>forloop</c> too) and an
/// <c>else</c> for an empty sequence.
/// </summary>
sealed class JinjaForStatement(IReadOnlyList<string> names, Expression source, IReadOnlyList<Statement> statements, IReadOnlyList<Statement>? otherwise)
    : TagStatement(statements)
{
    public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
    {
        var value = await source.EvaluateAsync(context);
        List<FluidValue> items = value is DictionaryValue dictionary
            ? [.. dictionary.Enumerate(context).Select(pair => ((ArrayValue)pair).Values[0])]
            : [.. value.Enumerate(context)];
        if (items.Count == 0)
            return otherwise is null ? Completion.Normal : await otherwise.RenderStatementsAsync(writer, encoder, context);
        context.EnterChildScope();
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                context.IncrementSteps();
                Unpack(items[i], context);
                var loop = Loop(i, items.Count);
                context.SetValue("loop", loop);
                context.SetValue("forloop", loop);
                var completion = await Statements.RenderStatementsAsync(writer, encoder, context);
                if (completion == Completion.Break) break;
            }
        }
        finally
        {
            context.ReleaseScope();
        }
        return Completion.Normal;
    }

    void Unpack(FluidValue item, TemplateContext context)
    {
        if (names.Count == 1)
        {
            context.SetValue(names[0], item);
            return;
        }
        var parts = item is ArrayValue array ? array.Values : [];
        for (var i = 0; i < names.Count; i++) context.SetValue(names[i], i < parts.Count ? parts[i] : NilValue.Instance);
    }

    static DictionaryValue Loop(int i, int length) => new(new FluidValueDictionaryFluidIndexable(new Dictionary<string, FluidValue>(StringComparer.Ordinal)
    {
        ["index"] = NumberValue.Create(i + 1),
        ["index0"] = NumberValue.Create(i),
        ["revindex"] = NumberValue.Create(length - i),
        ["revindex0"] = NumberValue.Create(length - i - 1),
        ["first"] = BooleanValue.Create(i == 0),
        ["last"] = BooleanValue.Create(i == length - 1),
        ["length"] = NumberValue.Create(length),
    }));
}
