using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>Jinja's <c>not</c>, by Jinja's truth (an empty text, list or dict, zero and none are false).</summary>
sealed class JinjaNot(Expression operand) : Expression
{
    public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context) =>
        BooleanValue.Create(!JinjaTruth.Of(await operand.EvaluateAsync(context), context));
}
