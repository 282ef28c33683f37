using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>A dict literal (<c>{'server.ip': 'source.ip'}</c>); its items keep the order they are written in, as Python's do.</summary>
sealed class JinjaDictionary(IReadOnlyList<(Expression Key, Expression Value)> items) : Expression
{
    public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
    {
        var values = new Dictionary<string, FluidValue>(items.Count, StringComparer.Ordinal);
        foreach (var (key, value) in items)
            values[(await key.EvaluateAsync(context)).ToStringValue()] = await value.EvaluateAsync(context);
        return new DictionaryValue(new FluidValueDictionaryFluidIndexable(values));
    }
}
