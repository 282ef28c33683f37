using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class MessageHashTests
{
    // filter_type and filter_keys as the deduplicator and threshold experts are configured.
    static readonly (bool Whitelist, string[] Names)[] Configurations =
    [
        (false, []),
        (false, ["raw", "time.observation"]),
        (true, ["source.ip", "classification.type", "extra.count"]),
        (true, ["raw"]),
    ];

    // IntelMQ's Message.hash as its documentation describes it, run by Python itself over the DHO messages we write:
    // the fields in sorted order, time.observation left out, each as name, 0xC0, repr(value), 0xC0, into SHA-256.
    const string Python = """
        import hashlib, json, sys
        configurations = json.loads(sys.argv[1])
        for line in sys.stdin:
            message = json.loads(line)
            digests = []
            for whitelist, names in configurations:
                digest = hashlib.sha256()
                for name, value in sorted(message.items()):
                    if name == "time.observation" or (name in names) != whitelist:
                        continue
                    digest.update(name.encode() + b"\xc0" + repr(value).encode() + b"\xc0")
                digests.append(digest.hexdigest())
            print(" ".join(digests))
        """;

    /// <summary>
    /// Every message of IntelMQ's test fixtures (reports and events, before and after parsers and experts) and values
    /// repr() writes in other ways (floats, booleans, lists, dicts, quotes, non-ASCII, a split original, a link): hashed
    /// from the event's values, as Python hashes the DHO message.
    /// </summary>
    [Fact]
    public async Task The_hash_of_an_event_is_the_one_python_computes_over_its_dho_message()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, "python3"))),
            "python3 is not installed (.ci/run installs it).");
        var events = CorpusEvents().Concat(TrickyEvents()).ToList();
        var hashes = Configurations.Select(c => new MessageHash(c.Names, c.Whitelist)).ToArray();

        var expected = await RunPython(events.Select(Dho));

        Assert.True(events.Count > 1000, $"only {events.Count} events");
        for (var i = 0; i < events.Count; i++)
            Assert.True(expected[i] == string.Join(' ', hashes.Select(h => h.Of(events[i]))), $"event {i}: {Dho(events[i])}");
    }

    [Fact]
    public void Time_observation_and_the_event_id_are_never_hashed()
    {
        var hash = new MessageHash([], whitelist: false);
        var first = Event.Create();
        first.Add("source.ip", "192.0.2.1");
        first.Add("event.created", "2024-01-01T00:00:00+00:00");
        var second = Event.Create();
        second.Add("source.ip", "192.0.2.1");
        second.Add("event.created", "2025-06-01T00:00:00+00:00");

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(hash.Of(first), hash.Of(second));
    }

    static IEnumerable<Event> CorpusEvents()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Paths.Corpus, "intelmq-tests"), "*.json", SearchOption.AllDirectories).Order())
        {
            var fixture = JsonNode.Parse(File.ReadAllText(file))!;
            var messages = (fixture["input"]?.AsArray() ?? []).Concat(fixture["actual_output"]?.AsObject().SelectMany(p => p.Value!.AsArray()) ?? []);
            foreach (var message in messages)
            {
                if (message is not JsonObject dho) continue;
                dho = dho.DeepClone().AsObject();
                dho.Remove("raw_text");
                List<Event> read;
                try { read = EventJson.Read(Encoding.UTF8.GetBytes(dho.ToJsonString()), MessageFormat.Dho); }
                catch (Exception ex) when (ex is JsonException or InvalidFieldException) { continue; } // fixtures of invalid input
                foreach (var ev in read) yield return ev;
            }
        }
    }

    static IEnumerable<Event> TrickyEvents()
    {
        foreach (var dho in new[]
        {
            """{"__type": "Event", "source.ip": "192.0.2.1", "extra.score": 0.1, "extra.big": 1e+16, "extra.small": 1e-05, "extra.round": 100.0, "extra.flag": true, "extra.off": false}""",
            """{"__type": "Event", "extra.list": [1, "two", 3.5, null, [true]], "extra.dict": {"b": 1, "a": {"c": "it's"}, "d": []}}""",
            """{"__type": "Event", "source.fqdn": "example.org", "extra.note": "it's \"quoted\" \\ tab\t \u00fcn\u00efcode \u2028 \ud83d\ude00 \u007f \u0085 \u00a0", "extra.quote": "it's", "extra.both": "'\""}""",
            """{"__type": "Event", "extra.idf.links": [{"type": "duplicate-of", "id": "0190a6e4-8a0b-7c38-9c8e-1f2a3b4c5d6e"}], "source.port": 443, "source.asn": 64496}""",
            """{"__type": "Event", "extra.\u00e9t\u00e9": "summer", "extra.zzz": "last", "extra.a": "first", "classification.type": "scanner"}""",
        })
            yield return EventJson.Read(Encoding.UTF8.GetBytes(dho), MessageFormat.Dho)[0];
        var split = new Event();
        split.Add("source.ip", "198.51.100.7");
        split.AddOriginal("\"ip\",\"note\"\n", "\"198.51.100.7\",\"gr\u00fc\u00df\"");
        split.AssignStableId();
        yield return split;
    }

    static string Dho(Event ev)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteDho(writer, ev, withType: false);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static async Task<string[]> RunPython(IEnumerable<string> messages)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PYTHONUTF8"] = "1";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Python);
        start.ArgumentList.Add(JsonSerializer.Serialize(Configurations.Select(c => new object[] { c.Whitelist, c.Names })));
        using var process = Process.Start(start)!;
        var token = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(token);
        var errors = process.StandardError.ReadToEndAsync(token);
        foreach (var message in messages) await process.StandardInput.WriteLineAsync(message.AsMemory(), token);
        process.StandardInput.Close();
        await process.WaitForExitAsync(token);
        Assert.True(process.ExitCode == 0, await errors);
        return (await output).TrimEnd('\n').Split('\n');
    }
}
