using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>A variable followed by attributes (<c>loop.last</c>), indexes (<c>msg['source.ip']</c>) and method calls (<c>d.items()</c>).</summary>
sealed class JinjaAccess(string name, IReadOnlyList<JinjaAccess.Segment> segments) : Expression
{
    public abstract record Segment;

    public sealed record Attribute(string Name) : Segment;

    public sealed record Index(Expression Key) : Segment;

    public sealed record Method(string Name, IReadOnlyList<Expression> Arguments) : Segment;

    public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
    {
        var value = context.GetValue(name);
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case Attribute attribute:
                    // Jinja's d.key reads the item too.
                    value = await value.GetValueAsync(attribute.Name, context);
                    break;
                case Index index:
                    value = await value.GetIndexAsync(await index.Key.EvaluateAsync(context), context);
                    break;
                case Method method:
                    var arguments = new FluidValue[method.Arguments.Count];
                    for (var i = 0; i < arguments.Length; i++) arguments[i] = await method.Arguments[i].EvaluateAsync(context);
                    value = await JinjaMethods.CallAsync(value, method.Name, arguments, context);
                    break;
            }
        }
        return value;
    }
}
