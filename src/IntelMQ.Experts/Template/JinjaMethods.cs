using System.Globalization;
using Fluid;
using Fluid.Values;

namespace IntelMQ.Experts.Template;

/// <summary>The Python methods of dicts and strings that Jinja templates call; another name is refused when the template is parsed.</summary>
static class JinjaMethods
{
    public static readonly IReadOnlySet<string> Names = new SortedSet<string>(StringComparer.Ordinal)
    {
        "items", "keys", "values", "get", "lower", "upper", "strip", "startswith", "endswith", "split", "replace",
    };

    public static async ValueTask<FluidValue> CallAsync(FluidValue target, string name, FluidValue[] arguments, TemplateContext context)
    {
        if (target is DictionaryValue dictionary)
        {
            switch (name)
            {
                case "items":
                    return new ArrayValue([.. dictionary.Enumerate(context)]);
                case "keys" or "values":
                    var part = name == "keys" ? 0 : 1;
                    return new ArrayValue([.. dictionary.Enumerate(context).Select(pair => ((ArrayValue)pair).Values[part])]);
                case "get":
                    var found = arguments.Length > 0 ? await dictionary.GetIndexAsync(arguments[0], context) : NilValue.Instance;
                    return found.IsNil() && arguments.Length > 1 ? arguments[1] : found;
            }
            return NilValue.Instance;
        }
        if (target.IsNil()) return NilValue.Instance;
        var text = target.ToStringValue();
        string Argument(int i) => i < arguments.Length ? arguments[i].ToStringValue() : "";
        return name switch
        {
            "lower" => new StringValue(text.ToLowerInvariant()),
            "upper" => new StringValue(text.ToUpperInvariant()),
            "strip" => new StringValue(arguments.Length > 0 ? text.Trim(Argument(0).ToCharArray()) : text.Trim()),
            "startswith" => BooleanValue.Create(text.StartsWith(Argument(0), StringComparison.Ordinal)),
            "endswith" => BooleanValue.Create(text.EndsWith(Argument(0), StringComparison.Ordinal)),
            "split" => new ArrayValue([.. (arguments.Length > 0 ? text.Split(Argument(0)) : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Select(part => (FluidValue)new StringValue(part))]),
            "replace" => new StringValue(Argument(0).Length == 0 ? text : text.Replace(Argument(0), Argument(1), StringComparison.Ordinal)),
            _ => NilValue.Instance,
        };
    }
}
