using System.Text;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

/// <summary>Values far longer, or nested far deeper, than any valid one are refused as invalid, never a crash.</summary>
public sealed class HostileInputTests
{
    static readonly string Huge = new('1', 20 * 1024 * 1024);

    [Theory]
    [InlineData("@timestamp")]
    [InlineData("event.created")]
    [InlineData("source.ip")]
    [InlineData("source.network")]
    [InlineData("source.port")]
    [InlineData("source.as.number")]
    [InlineData("feed.accuracy")]
    [InlineData("event.id")]
    [InlineData("source.domain")]
    [InlineData("source.geo.country_iso_code")]
    [InlineData("classification.taxonomy")]
    [InlineData("threat.indicator.marking.tlp")]
    public void A_huge_value_is_refused_as_too_long_for_its_field(string field)
    {
        var error = Assert.Throws<InvalidFieldException>(() => new Event().Add(field, Huge));
        Assert.Equal(field, error.Field);
        Assert.Contains($"not {Huge.Length}", error.Message);
        Assert.True(error.Message.Length < 400, "the error quotes only the start of the value");
    }

    [Fact]
    public void A_huge_timestamp_does_not_parse()
    {
        Assert.False(Timestamps.TryParse(Huge, out _));
        Assert.False(Timestamps.TryParse(" 2024-05-01 12:00:00 +0000" + new string(' ', 100), out _));
    }

    [Fact]
    public void Huge_text_is_not_an_address_or_a_domain()
    {
        Assert.Null(FieldNormalizer.CanonicalIp(Huge));
        Assert.Null(FieldNormalizer.CanonicalFqdn(new string('a', 300)));
        Assert.Null(FieldNormalizer.CanonicalFqdn(Huge));
    }

    [Fact]
    public void A_message_with_a_huge_timestamp_is_an_invalid_field()
    {
        var message = Encoding.UTF8.GetBytes($"{{\"__type\": \"Event\", \"time.source\": \"{Huge}\"}}");
        var error = Assert.Throws<InvalidFieldException>(() => EventJson.Read(message));
        Assert.Equal("@timestamp", error.Field);
    }

    [Fact]
    public void Deeply_nested_json_in_a_custom_field_is_refused()
    {
        var depth = 100_000;
        var message = Encoding.UTF8.GetBytes("{\"custom\": {\"x\": " + new string('[', depth) + new string(']', depth) + "}}");
        Assert.ThrowsAny<JsonException>(() => EventJson.Read(message));
        var shallow = Encoding.UTF8.GetBytes("{\"custom\": {\"x\": [[[1]]]}}");
        Assert.Equal("[[[1]]]", EventJson.Read(shallow)[0]["custom.x"]!.ToString()!.Replace(" ", "").Replace("\n", "").Replace("\r", ""));
    }
}
