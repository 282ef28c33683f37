using System.Globalization;
using IntelMQ.Core;

namespace IntelMQ.Experts.Verifiers;

/// <summary>What a check found: a result word, how sure it is (0 to 1), and what was seen, for a person.</summary>
public sealed record Verdict(string Result, double Confidence, string Detail)
{
    public const string Unknown = "unknown";

    public static Verdict NotKnown(string detail) => new(Unknown, 0, detail);

    /// <summary>Writes FIELD.result, FIELD.confidence, FIELD.detail and FIELD.time (when checked, UTC).</summary>
    public void WriteTo(Event ev, string field, DateTimeOffset checkedAt)
    {
        ev.Add(field + ".result", Result, overwrite: true);
        ev.Add(field + ".confidence", Confidence, overwrite: true);
        ev.Add(field + ".detail", Detail, overwrite: true);
        ev.Add(field + ".time", checkedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture), overwrite: true);
    }
}
