using System.Text;
using IntelMQ.Core;
using IntelMQ.Parsers.Misp;
using IntelMQ.Parsers.Stix;

namespace IntelMQ.Tests.Parsers;

/// <summary>The STIX and MISP parsers read their reports as streams, one object or attribute in memory at a time.</summary>
public sealed class StreamedJsonParsersTests
{
    static string Indicator(int i, string extra = "") =>
        $$"""{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-{{i:D12}}", "pattern": "[domain-name:value = 'host{{i:D8}}.example']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"{{extra}}}""";

    static CollectingEmitter RunStream(IStreamParser parser, Stream body)
    {
        var output = new CollectingEmitter();
        parser.Parse(new Event(MessageKind.Report), body, output);
        return output;
    }

    [Fact]
    public void A_200_MiB_bundle_parses_object_by_object_with_context_from_its_end()
    {
        const int count = 50_000;
        var body = new GeneratedBundle(count);
        Assert.True(body.Length > 200L << 20);
        var output = new CountingEmitter();

        ((IStreamParser)new StixParser()).Parse(new Event(MessageKind.Report), body, output);

        Assert.Equal(count, output.Count);
        Assert.Equal(0, output.Rejected);
        // The malware and the relationship come after all indicators, yet the first event names the malware.
        Assert.Equal("example bot", output.First!["threat.software.name"]);
        Assert.Equal("host00000000.example", output.First["source.domain"]);
    }

    [Fact]
    public void A_truncated_bundle_gives_the_events_before_the_cut_and_dumps_its_tail_with_the_position()
    {
        var whole = $$"""{"type": "bundle", "id": "bundle--1", "objects": [{{Indicator(1)}}, {{Indicator(2)}}, {{Indicator(3)}}]}""";
        var cut = whole.IndexOf(Indicator(3), StringComparison.Ordinal);
        var truncated = whole[..(cut + 40)];

        var output = RunStream(new StixParser(), new NonSeekableStream(Encoding.UTF8.GetBytes(truncated)));

        Assert.Equal(["host00000001.example", "host00000002.example"], output.Events.Select(e => (string)e["source.domain"]!));
        var (position, content, error) = Assert.Single(output.Rejected);
        Assert.Equal($"byte {cut}", position);
        Assert.Equal(truncated[cut..], content);
        Assert.Contains("ends or stops being JSON", error.Message);
    }

    [Fact]
    public void An_object_larger_than_max_size_goes_to_the_dump_with_its_position_and_the_rest_goes_on()
    {
        var large = Indicator(2, $$""", "description": "{{new string('x', 4000)}}" """);
        var body = $"[{Indicator(1)}, {large}, {Indicator(3)}]";

        var output = CollectingEmitter.Run(new StixParser(new StixParserOptions { MaxSize = 2048 }), body);

        Assert.Equal(["host00000001.example", "host00000003.example"], output.Events.Select(e => (string)e["source.domain"]!));
        var (position, content, error) = Assert.Single(output.Rejected);
        Assert.Equal($"object 2 (byte {body.IndexOf(large, StringComparison.Ordinal)})", position);
        Assert.StartsWith("{\"type\": \"indicator\"", content);
        Assert.Contains("more than max_size (2048)", error.Message);
    }

    [Fact]
    public void A_sighting_before_its_indicator_and_markings_and_identities_after_it_still_apply()
    {
        var body = $$"""
            {"type": "bundle", "id": "bundle--2", "objects": [
              {"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--00000000-0000-4000-8000-000000000001", "count": 3, "created_by_ref": "identity--1"},
              {{Indicator(1, ", \"object_marking_refs\": [\"marking-definition--x\"]")}},
              {"type": "identity", "id": "identity--1", "name": "Example CERT"},
              {"type": "marking-definition", "id": "marking-definition--x", "name": "TLP:AMBER+STRICT"}]}
            """;

        var output = CollectingEmitter.Run(new StixParser(), body);

        Assert.Equal(2, output.Events.Count);
        var sighting = output.Events[0];
        Assert.Equal("host00000001.example", sighting["source.domain"]);
        Assert.Equal("Example CERT", sighting["threat.indicator.provider"]);
        Assert.Equal("AMBER+STRICT", sighting["threat.indicator.marking.tlp"]);
        Assert.Equal("AMBER+STRICT", output.Events[1]["threat.indicator.marking.tlp"]);
    }

    [Fact]
    public void A_misp_event_is_classified_by_tags_written_after_its_attributes_and_a_truncated_one_dumps_its_tail()
    {
        var attribute = """{"category": "Network activity", "type": "domain", "value": "c2.example", "uuid": "575c8598-f1f0-4c16-a94a-0612c0a8386a"}""";
        var whole = $$$"""{"Event": {"id": "7", "Attribute": [{{{attribute}}}], "uuid": "5758ebf5-c898-48e6-9fe9-5665c0a83866", "Tag": [{"name": "ecsirt:fraud=\"phishing\""}]}}""";

        var ev = Assert.Single(CollectingEmitter.Run(new MispParser(), whole).Events);
        Assert.Equal("phishing", ev["classification.type"]);

        var truncated = $$"""{"Event": {"id": "7", "Attribute": [{{attribute}}, {{attribute[..30]}}""";
        var output = RunStream(new MispParser(), new NonSeekableStream(Encoding.UTF8.GetBytes(truncated)));
        Assert.Equal("c2.example", Assert.Single(output.Events)["source.domain"]);
        Assert.Equal($"byte {truncated.LastIndexOf('{')}", Assert.Single(output.Rejected).Position);
    }

    /// <summary>Counts events without keeping them (the first one excepted), so that the test measures the parser's memory, not its own.</summary>
    sealed class CountingEmitter : IEmitter
    {
        public int Count { get; private set; }
        public int Rejected { get; private set; }
        public Event? First { get; private set; }

        public void Emit(Event ev, string path = "_default")
        {
            First ??= ev;
            Count++;
        }

        public void Reject(string position, string content, Exception error) => Rejected++;
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error) => Rejected++;
        public void Drop(Event ev, string reason) { }
    }

    /// <summary>A stream that cannot seek, as a pipe.</summary>
    sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    /// <summary>
    /// A STIX bundle of count indicators of equal size (padded to about 4 KiB), then a malware and the
    /// relationships that say the first indicator indicates it, generated as it is read so the test holds none of it.
    /// </summary>
    sealed class GeneratedBundle(int count) : Stream
    {
        static readonly byte[] Head = Encoding.UTF8.GetBytes("""{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [""");
        static readonly byte[] Tail = Encoding.UTF8.GetBytes("""
            , {"type": "malware", "id": "malware--1", "name": "Example Bot", "is_family": true},
            {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates", "source_ref": "indicator--00000000-0000-4000-8000-000000000000", "target_ref": "malware--1"}]}
            """);
        static readonly int ObjectLength = Object(0).Length;
        long _position;
        int _cachedIndex = -1;
        byte[] _cached = [];

        static byte[] Object(int i) =>
            Encoding.UTF8.GetBytes((i == 0 ? "  " : ", ") + Indicator(i, $$""", "description": "{{new string('x', 4100)}}" """));

        public override long Length => Head.Length + (long)count * ObjectLength + Tail.Length;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int length)
        {
            var written = 0;
            while (written < length && _position < Length)
            {
                byte[] source;
                long start;
                if (_position < Head.Length) (source, start) = (Head, 0);
                else if (_position >= Length - Tail.Length) (source, start) = (Tail, Length - Tail.Length);
                else
                {
                    var index = (int)((_position - Head.Length) / ObjectLength);
                    if (index != _cachedIndex) (_cached, _cachedIndex) = (Object(index), index);
                    (source, start) = (_cached, Head.Length + (long)index * ObjectLength);
                }
                var part = source.AsSpan((int)(_position - start));
                var n = Math.Min(part.Length, length - written);
                part[..n].CopyTo(buffer.AsSpan(offset + written));
                written += n;
                _position += n;
            }
            return written;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
