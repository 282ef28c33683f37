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

    /// <summary>Creates the program from bound options (see <see cref="OptionBinder"/>) and its context.</summary>
    public object Create(object? options, ProgramContext context) => Construct(Type, options, context);

    /// <summary>Creates the program's reference data handler (<see cref="ProgramAttribute.ReferenceData"/>), or null when it has none.</summary>
    public IReferenceData? CreateReferenceData(object? options, ProgramContext context) =>
        Declaration.ReferenceData is { } type ? (IReferenceData)Construct(type, options, context) : null;

    /// <summary>Calls the constructor that takes the most of (options, context); a constructor's own exception is unwrapped.</summary>
    static object Construct(Type type, object? options, ProgramContext context)
    {
        options ??= type.GetConstructors().SelectMany(c => c.GetParameters()).FirstOrDefault(p => p.ParameterType != typeof(ProgramContext)) is { } p
            ? Activator.CreateInstance(p.ParameterType) : null;
        object?[][] candidates = [[options, context], [options], [context], []];
        foreach (var args in candidates)
        {
            var types = args.Select(a => a is ProgramContext ? typeof(ProgramContext) : a?.GetType() ?? typeof(object)).ToArray();
            if (args.Any(a => a is null) || type.GetConstructor(types) is not { } ctor) continue;
            try
            {
                return ctor.Invoke(args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
        }
        throw new InvalidOperationException($"{type.Name} has no constructor taking its options and/or a ProgramContext.");
    }
}
