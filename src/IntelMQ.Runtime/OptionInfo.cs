using System.Reflection;
using System.Text;

namespace IntelMQ.Runtime;

/// <summary>One typed option of a program: name, aliases, type, default and description, read from its options record.</summary>
public sealed record OptionInfo(string Name, IReadOnlyList<string> Aliases, Type Type, object? Default, OptionAttribute Attribute, PropertyInfo Property)
{
    public string Description => Attribute.Description;

    public string TypeName => (Nullable.GetUnderlyingType(Type) ?? Type) switch
    {
        var t when t == typeof(string) => "string",
        var t when t == typeof(bool) => "boolean",
        var t when t == typeof(int) || t == typeof(long) => "integer",
        var t when t == typeof(double) => "number",
        var t when t == typeof(string[]) => "list of strings",
        var t when t == typeof(IReadOnlyDictionary<string, string>) => "map",
        var t when t.IsEnum => string.Join(" | ", Enum.GetNames(t).Select(n => n.ToLowerInvariant())),
        var t => t.Name,
    };

    public static IReadOnlyList<OptionInfo> Of(Type optionsType)
    {
        var defaults = Activator.CreateInstance(optionsType);
        return optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<OptionAttribute>() is not null)
            .Select(p =>
            {
                var a = p.GetCustomAttribute<OptionAttribute>()!;
                return new OptionInfo(SnakeCase(p.Name), a.Aliases, p.PropertyType, p.GetValue(defaults), a, p);
            })
            .ToList();
    }

    static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
