using IntelMQ.Contract;
using IntelMQ.Experts.Common;

namespace IntelMQ.Experts.Verifiers;

/// <summary>The field option of a verifier: an IntelMQ extra.* name or an IDF custom.* name, below which the verdict goes.</summary>
static class VerificationField
{
    public static string Require(string program, string name)
    {
        var path = IntelMQFields.ToIdf(name.Trim());
        if (!path.StartsWith("custom.", StringComparison.Ordinal) || path.Length == "custom.".Length)
            throw new ConfigurationException($"{program}: option 'field': '{name}' is not a custom field; give a name such as extra.verification.domain.");
        return path;
    }
}
