using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>A list literal (<c>['source.ip', 'destination.ip']</c>).</summary>
sealed class JinjaList(IReadOnlyList<Expression> items) : Expression
{
    public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
    {
        var values = new FluidValue[items.Count];
        for (var i = 0; i < values.Length; i++) values[i] = await items[i].EvaluateAsync(context);
        return new ArrayValue(values);
    }
}
