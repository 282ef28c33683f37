using System.Buffers.Binary;
using System.Net;
using System.Text;
using IntelMQ.Outputs.Cassandra;

namespace IntelMQ.Tests.Outputs;

public sealed class CqlFrameTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static byte[] Response(byte opcode, byte[] body, byte flags = 0, short stream = 0, byte version = 0x84, int? length = null)
    {
        var frame = new byte[9 + body.Length];
        frame[0] = version;
        frame[1] = flags;
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(2), stream);
        frame[4] = opcode;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), length ?? body.Length);
        body.CopyTo(frame, 9);
        return frame;
    }

    static byte[] Body(Action<CqlWriter> write)
    {
        var writer = new CqlWriter();
        write(writer);
        return writer.Body.ToArray();
    }

    [Fact]
    public void A_request_frame_carries_the_v4_header_its_opcode_stream_and_body_length()
    {
        var writer = new CqlWriter();
        writer.StringMap([new("CQL_VERSION", "3.0.0")]);

        var frame = writer.Frame(CqlOpcode.Startup, 7).ToArray();

        Assert.Equal(new byte[] { 0x04, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, 0x00, 0x16 }, frame[..9]);
        Assert.Equal(0x16, frame.Length - 9);
        Assert.Equal("\0\u0001\0\u000bCQL_VERSION\0\u00053.0.0", Encoding.ASCII.GetString(frame[9..]));
    }

    [Fact]
    public async Task A_response_is_read_with_its_version_flags_stream_opcode_and_body()
    {
        using var stream = new MemoryStream(Response(0x08, [0, 0, 0, 1], stream: 300));

        var frame = await CqlFrame.ReadAsync(stream, Cancel);

        Assert.NotNull(frame);
        Assert.Equal((0x84, (short)300, CqlOpcode.Result), (frame.Version, frame.Stream, frame.Opcode));
        Assert.Equal(1, frame.Message(out var warnings).Int());
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task A_connection_ending_between_frames_reads_as_no_frame()
    {
        using var stream = new MemoryStream();

        Assert.Null(await CqlFrame.ReadAsync(stream, Cancel));
    }

    [Theory]
    [InlineData(5, 0)]
    [InlineData(9, 100)]
    [InlineData(9 + 40, 100)]
    public async Task A_connection_ending_inside_a_frame_is_an_end_of_stream(int sent, int announced)
    {
        var frame = Response(0x08, new byte[Math.Max(0, sent - 9)], length: announced);
        using var stream = new MemoryStream(frame[..sent]);

        await Assert.ThrowsAsync<EndOfStreamException>(async () => await CqlFrame.ReadAsync(stream, Cancel));
    }

    [Theory]
    [InlineData((256 << 20) + 1)]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    public async Task A_frame_announcing_more_than_256_MiB_or_a_negative_length_is_refused_unread(int announced)
    {
        using var stream = new MemoryStream(Response(0x08, new byte[64], length: announced));

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await CqlFrame.ReadAsync(stream, Cancel));

        Assert.Contains("256 MiB", error.Message);
        Assert.Equal(9, stream.Position);
    }

    [Fact]
    public async Task A_request_frame_is_not_taken_for_a_response()
    {
        using var stream = new MemoryStream(Response(0x08, [], version: 0x04));

        await Assert.ThrowsAsync<InvalidDataException>(async () => await CqlFrame.ReadAsync(stream, Cancel));
    }

    [Fact]
    public async Task A_tracing_id_warnings_and_a_custom_payload_before_the_message_are_read_past()
    {
        var body = Body(w => w.Raw(new byte[16]).Short(2).String("batch too big").String("another").Short(1).String("k").Bytes([1, 2]).Int(0x0001));
        using var stream = new MemoryStream(Response(0x08, body, flags: 0x02 | 0x08 | 0x04));

        var frame = await CqlFrame.ReadAsync(stream, Cancel);
        var message = frame!.Message(out var warnings);

        Assert.Equal(["batch too big", "another"], warnings);
        Assert.Equal(1, message.Int());
        Assert.Equal(0, message.Remaining);
    }

    [Fact]
    public void A_compressed_frame_is_refused_as_none_was_agreed()
    {
        var frame = new CqlFrame(0x84, 0x01, 0, CqlOpcode.Result, [0, 0, 0, 1]);

        Assert.Throws<InvalidDataException>(() => frame.Message(out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x05, (byte)'a', (byte)'b' })]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3 })]
    public void A_body_shorter_than_its_lengths_say_is_refused(byte[] body)
    {
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new CqlBodyReader(body);
            if (body.Length > 4) reader.Bytes(out _);
            else reader.String();
        });

        Assert.Contains("ends inside", error.Message);
    }

    [Fact]
    public void A_deeply_nested_column_type_is_read_without_recursion()
    {
        const int Depth = 200_000;
        var body = Body(w =>
        {
            for (var i = 0; i < Depth; i++) w.Short(CqlType.List);
            w.Short(CqlType.Map).Short(CqlType.Varchar).Short(CqlType.Udt).String("ks").String("t").Short(1).String("f").Short(CqlType.Int);
            w.Short(CqlType.Inet);
        });
        var reader = new CqlBodyReader(body);

        Assert.Equal(CqlType.List, reader.Type());
        Assert.Equal(CqlType.Inet, reader.Type());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void A_type_announcing_more_components_than_the_body_holds_is_refused()
    {
        var body = Body(w => w.Short(CqlType.Tuple).Short(ushort.MaxValue).Short(CqlType.Int));

        Assert.Throws<InvalidDataException>(() => new CqlBodyReader(body).Type());
    }

    [Fact]
    public void A_prepared_result_gives_its_id_and_the_names_and_types_of_its_bind_markers()
    {
        var body = Body(w => w.Int(4).ShortBytes([0xAB, 0xCD]).Int(0).Int(2).Int(1).Short(0)
            .String("ks").String("t").String("id").Short(CqlType.Uuid)
            .String("ks").String("t").String("tags").Short(CqlType.Set).Short(CqlType.Varchar)
            .Int(4).Int(0));

        var prepared = CqlConnection.ReadPrepared(new CqlBodyReader(body));

        Assert.Equal(new byte[] { 0xAB, 0xCD }, prepared.Id);
        Assert.Equal(["id", "tags"], prepared.Names);
        Assert.Equal([CqlType.Uuid, CqlType.Set], prepared.Types);
    }

    [Fact]
    public void A_prepared_result_announcing_more_markers_than_it_holds_is_refused()
    {
        var body = Body(w => w.Int(4).ShortBytes([1]).Int(1).Int(1_000_000).Int(0));

        Assert.Throws<InvalidDataException>(() => CqlConnection.ReadPrepared(new CqlBodyReader(body)));
    }

    [Fact]
    public void An_error_gives_its_code_and_message_and_for_unprepared_the_statement_id()
    {
        var body = Body(w => w.Int(0x2500).String("Prepared query with ID abcd not found").ShortBytes([0xAB, 0xCD]));
        var reader = new CqlBodyReader(body);

        var error = CqlServerException.Read(ref reader);

        Assert.Equal(CqlServerException.Unprepared, error.Code);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, error.UnpreparedId);
        Assert.Equal("Unprepared (0x2500): Prepared query with ID abcd not found", error.Message);
        Assert.False(error.IsTransient);
    }

    [Theory]
    [InlineData(CqlServerException.Overloaded, true, false)]
    [InlineData(CqlServerException.Unavailable, true, false)]
    [InlineData(CqlServerException.WriteTimeout, true, false)]
    [InlineData(CqlServerException.IsBootstrapping, true, false)]
    [InlineData(CqlServerException.ServerError, true, false)]
    [InlineData(CqlServerException.Invalid, false, false)]
    [InlineData(CqlServerException.SyntaxError, false, true)]
    [InlineData(CqlServerException.Unauthorized, false, true)]
    [InlineData(CqlServerException.AuthenticationError, false, true)]
    public void Error_codes_say_whether_to_retry_or_stop_as_misconfigured(int code, bool transient, bool configuration)
    {
        var error = new CqlServerException(code, "message");

        Assert.Equal((transient, configuration), (error.IsTransient, error.IsConfiguration));
    }

    [Fact]
    public void Values_are_written_as_their_column_types_say()
    {
        static byte[] Value(ushort type, object value)
        {
            var writer = new CqlWriter();
            Assert.Null(CqlValue.Write(writer, type, value));
            return writer.Body.ToArray();
        }

        Assert.Equal(new byte[] { 0, 0, 0, 4, 192, 0, 2, 1 }, Value(CqlType.Inet, "192.0.2.1"));
        Assert.Equal(16 + 4, Value(CqlType.Inet, "2001:db8::1").Length);
        Assert.Equal(new byte[] { 0, 0, 0, 4, 0, 0, 0x1F, 0x90 }, Value(CqlType.Int, 8080L));
        Assert.Equal(new byte[] { 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0xFB, 0xF0 }, Value(CqlType.Bigint, 64496L));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 1 }, Value(CqlType.Boolean, true));
        Assert.Equal(new byte[] { 0, 0, 0, 2, (byte)'h', (byte)'i' }, Value(CqlType.Varchar, "hi"));
        var id = Guid.Parse("0190f3a1-7c2e-7d4b-8a11-223344556677");
        Assert.Equal([0, 0, 0, 16, .. id.ToByteArray(bigEndian: true)], Value(CqlType.Uuid, id.ToString()));
        Assert.Equal(1_777_629_600_000L, BinaryPrimitives.ReadInt64BigEndian(Value(CqlType.Timestamp, "2026-05-01T10:00:00+00:00").AsSpan(4)));
        Assert.Equal((1u << 31) + 1, BinaryPrimitives.ReadUInt32BigEndian(Value(CqlType.Date, "1970-01-02").AsSpan(4)));
    }

    [Theory]
    [InlineData(CqlType.Inet, "192.0.2.0/24", "is not an IP address")]
    [InlineData(CqlType.Int, 3_000_000_000L, "32 bits")]
    [InlineData(CqlType.Timestamp, "yesterday", "is not a date and time")]
    [InlineData(CqlType.Uuid, "not-a-uuid", "is not a UUID")]
    [InlineData(CqlType.Ascii, "caf\u00e9", "is not ASCII")]
    [InlineData(CqlType.Counter, 1L, "cannot be written to a counter column")]
    public void A_value_that_does_not_fit_its_column_is_refused_and_nothing_is_written(ushort type, object value, string reason)
    {
        var writer = new CqlWriter();

        Assert.Contains(reason, CqlValue.Write(writer, type, value));
        Assert.Equal(0, writer.BodyLength);
    }

    [Theory]
    [InlineData("cassandra.example.org", "cassandra.example.org", 9042)]
    [InlineData("192.0.2.7:9142", "192.0.2.7", 9142)]
    [InlineData("[2001:db8::7]:9043", "2001:db8::7", 9043)]
    [InlineData("2001:db8::7", "2001:db8::7", 9042)]
    public void A_host_is_read_with_its_port_or_9042(string text, string host, int port)
    {
        Assert.Equal(new CqlEndpoint(host, port), CqlEndpoint.Parse("test", text));
    }

    [Fact]
    public void A_host_address_is_written_back_as_a_connection_string_shows_it()
    {
        Assert.Equal("[2001:db8::7]:9042", new CqlEndpoint(IPAddress.Parse("2001:db8::7").ToString(), 9042).ToString());
    }
}
