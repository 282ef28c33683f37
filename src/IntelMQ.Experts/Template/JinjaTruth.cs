using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>A condition evaluated by Jinja's truth, where Liquid's would call an empty text or zero true.</summary>
sealed class JinjaTruth(Expression condition) : Expression
{
    public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context) =>
        BooleanValue.Create(Of(await condition.EvaluateAsync(context), context));

    public static bool Of(FluidValue value, TemplateContext context) => value switch
    {
        { Type: FluidValues.Nil or FluidValues.Empty or FluidValues.Blank } => false,
        StringValue s => s.ToStringValue().Length > 0,
        NumberValue n => n.ToNumberValue() != 0,
        ArrayValue a => a.Values.Count > 0,
        DictionaryValue d => d.Enumerate(context).Any(),
        _ => value.ToBooleanValue(),
    };
}
