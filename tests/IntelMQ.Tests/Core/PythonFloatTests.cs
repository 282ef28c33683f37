using System.Text;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class PythonFloatTests
{
    // Expected texts are Python 3's repr() of the same values.
    [Theory]
    [InlineData(100.0, "100.0")]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(1e16, "1e+16")]
    [InlineData(12345678.9, "12345678.9")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.001, "0.001")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(12345678901234567.0, "1.2345678901234568e+16")]
    [InlineData(1.5e16, "1.5e+16")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(1.23e-18, "1.23e-18")]
    [InlineData(9007199254740992.0, "9007199254740992.0")]
    [InlineData(48.2, "48.2")]
    public void Floats_are_written_as_python_repr_writes_them(double value, string expected) => Assert.Equal(expected, PythonFloat.Format(value));

    [Fact]
    public void Float_fields_are_floats_in_dho_and_idf()
    {
        var ev = new Event();
        ev.Add("feed.accuracy", 100);
        ev.Add("source.geo.location.lat", "1e-5");
        ev.Add("custom.ratio", 0.5);
        var dho = EventJsonTests.Write(w => EventJson.WriteDho(w, ev));
        Assert.Contains("\"feed.accuracy\":100.0", dho);
        Assert.Contains("\"source.geolocation.latitude\":1e-05", dho);
        Assert.Contains("\"extra.ratio\":0.5", dho);
        var idf = EventJsonTests.Write(w => EventJson.WriteIdf(w, ev));
        Assert.Contains("\"accuracy\":100.0", idf);
        Assert.Contains("\"lat\":1e-05", idf);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var relaxed = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            EventJson.WriteIdf(relaxed, ev);
        Assert.Equal(idf, Encoding.UTF8.GetString(buffer.WrittenSpan));
        var again = Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(idf)));
        Assert.Equal(100.0, again["feed.accuracy"]);
        Assert.Equal(1e-5, again["source.geo.location.lat"]);
    }
}
