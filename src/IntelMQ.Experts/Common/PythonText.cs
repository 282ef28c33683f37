using System.Globalization;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Experts.Common;

/// <summary>A value as Python's str() writes it, which IntelMQ's rule files match and format against (True, 5.22, 100.0).</summary>
static class PythonText
{
    public static string Of(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat.Format(d),
        JsonNode node => node.ToJsonString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
