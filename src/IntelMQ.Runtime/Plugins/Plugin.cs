using System.Reflection;

namespace IntelMQ.Runtime;

/// <summary>One plugin as dropped into the plugins directory (an assembly, a folder, a .nupkg) and the assemblies loaded from it.</summary>
public sealed record Plugin(string File, IReadOnlyList<Assembly> Assemblies);
