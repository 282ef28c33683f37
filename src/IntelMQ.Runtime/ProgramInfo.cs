using System.Reflection;

namespace IntelMQ.Runtime;

/// <summary>A program as declared by its <see cref="ProgramAttribute"/>, with its options.</summary>
public sealed class ProgramInfo
{
    public ProgramInfo(Type type)
    {
        Type = type;
        Declaration = type.GetCustomAttribute<ProgramAttribute>()
                      ?? throw new InvalidOperationException($"{type.Name} has no [Program] declaration.");
        Options = Declaration.Options is null ? [] : OptionInfo.Of(Declaration.Options);
    }

    public Type Type { get; }
    public ProgramAttribute Declaration { get; }
    public string Name => Declaration.Name;
    public ProgramKind Kind => Declaration.Kind;
    public IReadOnlyList<OptionInfo> Options { get; }

    /// <summary>Creates the program from bound options (see <see cref="OptionBinder"/>).</summary>
    public object Create(object? options) =>
        options is null ? Activator.CreateInstance(Type)! : Activator.CreateInstance(Type, options)!;
}
