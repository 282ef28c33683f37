using IntelMQ.Core;
using IntelMQ.Contract;

namespace IntelMQ.Experts.Common;

/// <summary>Field names as IntelMQ's configurations give them (<c>source.fqdn</c>, <c>extra.x</c>) resolved to IDF paths.</summary>
static class IntelMQFields
{
    /// <summary>The IDF path of an IntelMQ field name; an IDF path is accepted as it is.</summary>
    public static string ToIdf(string name) => DhoMapping.ToIdf(name) ?? name;

    /// <summary>Like <see cref="ToIdf"/>, refusing a name that is neither an IntelMQ nor an IDF field.</summary>
    public static string Require(string program, string option, string name)
    {
        var path = ToIdf(name.Trim());
        if (FieldCatalogue.Default.Find(path) is null)
            throw new ConfigurationException($"{program}: option '{option}': '{name}' is not a field; give IntelMQ names such as source.ip or extra.name.");
        return path;
    }
}
