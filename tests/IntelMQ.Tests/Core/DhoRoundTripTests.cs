using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

/// <summary>DHO -> IDF -> DHO must be lossless for every message in the conformance corpus.</summary>
public sealed class DhoRoundTripTests
{
    public static IEnumerable<TheoryDataRow<string>> Fixtures() =>
        Directory.EnumerateFiles(Paths.Corpus, "*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains("_files"))
            .Order(StringComparer.Ordinal)
            .Select(f => new TheoryDataRow<string>(Path.GetRelativePath(Paths.Corpus, f)));

    internal static IEnumerable<JsonObject> Messages(JsonNode fixture)
    {
        foreach (var m in fixture["input"]?.AsArray() ?? []) yield return m!.AsObject();
        foreach (var e in fixture["expected_events"]?.AsArray() ?? []) yield return e!["event"]!.AsObject();
        foreach (var (_, path) in fixture["actual_output"]?.AsObject() ?? [])
            foreach (var m in path!.AsArray()) yield return m!.AsObject();
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_corpus_message_survives_dho_idf_dho(string fixture)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(Paths.Corpus, fixture)))!;
        var failures = new List<string>();
        foreach (var message in Messages(root))
        {
            message.Remove("raw_text");
            var original = message.ToJsonString();
            try
            {
                var ev = Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(original), MessageFormat.Dho));
                var idf = EventJsonTests.Write(w => EventJson.WriteIdf(w, ev));
                var again = Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(idf), MessageFormat.Ndjson));
                again.Kind = ev.Kind;
                var dho = JsonNode.Parse(EventJsonTests.Write(w => EventJson.WriteDho(w, again)))!;
                if (!JsonNode.DeepEquals(Normalized(message), Normalized(dho.AsObject())))
                    failures.Add($"{original}\n  came back as {dho.ToJsonString()}");
            }
            catch (Exception ex) when (ex is InvalidFieldException or JsonException)
            {
                failures.Add($"{original}\n  {ex.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }

    // The documented normalisations (docs/idf.md) are not losses: JSON numbers compare by value (100 == 100.0), as
    // IntelMQ's own comparison does; timestamps compare as instants, because the IDF writes them in UTC; IP addresses
    // in canonical form (2001:DB8::1 is 2001:db8::1); an empty value is no value.
    static JsonObject Normalized(JsonObject message)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in message.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!key.StartsWith("extra.", StringComparison.Ordinal) && value is JsonValue e && e.GetValueKind() == JsonValueKind.String && e.GetValue<string>() == "")
                continue;
            copy[key] = value switch
            {
                JsonValue v when key.EndsWith(".ip", StringComparison.Ordinal) && FieldNormalizer.CanonicalIp(v.GetValue<string>()) is { } ip => ip,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonValue.Create(v.GetValue<double>()),
                JsonValue v when key.StartsWith("time.", StringComparison.Ordinal) && Timestamps.TryParse(v.GetValue<string>(), out var t) => Timestamps.Format(t),
                _ => value?.DeepClone(),
            };
        }
        return copy;
    }
}
