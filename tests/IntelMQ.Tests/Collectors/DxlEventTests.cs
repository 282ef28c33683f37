using System.Buffers;
using System.Text;
using IntelMQ.Collectors.OpenDxl;

namespace IntelMQ.Tests.Collectors;

/// <summary>Decoding DXL messages as opendxl-client-python encodes them, and refusing what is not a DXL event.</summary>
public sealed class DxlEventTests
{
    static readonly byte[] Payload = Encoding.UTF8.GetBytes("{\"Summary\": {}}");

    static DxlEvent Decode(byte[] message) => DxlEvent.Decode(new ReadOnlySequence<byte>(message));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_message_version_of_the_Python_client_gives_its_payload_and_ids(int version)
    {
        var dxl = Decode(DxlMessages.Encode(Payload, version: version, messageId: "{m1}"));

        Assert.Equal(("{\"Summary\": {}}", "{m1}", "{client-atd}"), (Encoding.UTF8.GetString(dxl.Payload), dxl.MessageId, dxl.SourceClientId));
    }

    [Fact]
    public void A_payload_packed_as_str_by_the_Python_2_client_is_read()
    {
        Assert.Equal(Payload, Decode(DxlMessages.Encode(Payload, payloadAsStr: true)).Payload);
    }

    [Fact]
    public void A_truncated_message_is_not_a_DXL_message()
    {
        var message = DxlMessages.Encode(Payload);

        var error = Assert.Throws<InvalidDataException>(() => Decode(message[..^12]));

        Assert.StartsWith("not a DXL message", error.Message);
    }

    [Fact]
    public void A_request_is_not_an_event()
    {
        var error = Assert.Throws<InvalidDataException>(() => Decode(DxlMessages.Encode(Payload, type: DxlMessages.Request)));

        Assert.Contains("a DXL request (type 0), not an event", error.Message);
    }

    [Fact]
    public void A_message_whose_lists_are_not_lists_is_not_a_DXL_message()
    {
        // Version, type and three texts, then a text where the broker ids' list belongs.
        var error = Assert.Throws<InvalidDataException>(() => Decode([0x02, 0x02, 0xa1, (byte)'m', 0xa1, (byte)'c', 0xa1, (byte)'b', 0xa1, (byte)'x']));

        Assert.Contains("a list field is a msgpack string", error.Message);
    }
}
