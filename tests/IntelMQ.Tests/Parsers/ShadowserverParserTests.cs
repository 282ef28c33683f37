using System.Text;
using IntelMQ.Core;
using IntelMQ.Parsers.Shadowserver;
using IntelMQ.Runtime;

namespace IntelMQ.Tests.Parsers;

public sealed class ShadowserverParserTests
{
    const string SmbHeader = "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\",\"region\",\"city\",\"naics\",\"smb_major_number\",\"x_note\"";

    static Event Report(string fileName)
    {
        var report = new Event(MessageKind.Report);
        report.Add("custom.file_name", fileName);
        report.Add("feed.name", "Shadowserver Reports");
        report.Add("event.created", "2024-05-02T00:00:00Z");
        return report;
    }

    sealed class Collector : IEmitter
    {
        public List<Event> Events { get; } = [];
        public List<(string Position, string Content, Exception Error)> Rejected { get; } = [];
        public List<byte[]> RejectedBytes { get; } = [];
        public void Emit(Event ev, string path = "_default") => Events.Add(ev);
        public List<(Event Event, string Reason)> Dropped { get; } = [];
        public void Reject(string position, string content, Exception error) => Rejected.Add((position, content, error));
        public void Reject(string position, ReadOnlySpan<byte> content, Exception error)
        {
            Rejected.Add((position, Encoding.Latin1.GetString(content), error));
            RejectedBytes.Add(content.ToArray());
        }
        public void Drop(Event ev, string reason) => Dropped.Add((ev, reason));
    }

    static Collector Run(string csv, string fileName = "2024-05-01-scan_smb-geo.csv", ShadowserverParserOptions? options = null)
    {
        var output = new Collector();
        ((IParser)new ShadowserverParser(options)).Parse(Report(fileName), new StringReader(csv), output);
        return output;
    }

    static Collector RunBytes(byte[] csv, string fileName = "2024-05-01-scan_smb-geo.csv", ShadowserverParserOptions? options = null)
    {
        var output = new Collector();
        ((IStreamParser)new ShadowserverParser(options)).Parse(Report(fileName), new MemoryStream(csv), output);
        return output;
    }

    static string SmbRow(string ip, string hostname = "") =>
        $"\"2024-05-01 10:00:00\",\"{ip}\",\"445\",\"{hostname}\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"\n";

    [Fact]
    public void The_parser_is_a_plain_library_class()
    {
        var parser = new ShadowserverParser(new() { FileName = "2024-05-01-scan_smb-geo.csv" });
        var csv = SmbHeader + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"Host.Example.\",\"smb\",\"64496\",\"AT\",\"WIEN\",\"VIENNA\",\"0\",\"2\",\"\"\n";
        var ev = Assert.Single(parser.Parse(new StringReader(csv)));
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal(445L, ev["source.port"]);
        Assert.Equal("host.example", ev["source.reverse_dns"]);
        Assert.Equal(64496L, ev["source.as.number"]);
        Assert.Equal("AT", ev["source.geo.country_iso_code"]);
        Assert.Equal("2024-05-01T10:00:00+00:00", ev["@timestamp"]);
        Assert.Equal("vulnerable", ev["classification.taxonomy"]);
        Assert.Equal("vulnerable-system", ev["classification.type"]);
        Assert.Equal("2", ev["custom.smb_major_number"]);
        Assert.False(ev.Contains("custom.naics"));
        Assert.StartsWith(SmbHeader + "\n\"2024-05-01 10:00:00\"", (string)ev["event.original"]!);
        Assert.NotNull(ev.Id);
    }

    [Fact]
    public void A_bad_row_is_rejected_with_its_line_and_reason_and_the_rest_go_on()
    {
        var csv = SmbHeader + "\n"
                  + "\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"\n"
                  + "\"2024-05-01 10:00:01\",\"192.0.2.2\",\"44x5\",\"\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"\n"
                  + "\"yesterday\",\"192.0.2.3\",\"445\",\"\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"\n"
                  + "\"2024-05-01 10:00:03\",\"192.0.2.4\",\"445\",\"\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"\n";
        var output = Run(csv);
        Assert.Equal(["192.0.2.1", "192.0.2.4"], output.Events.Select(e => (string)e["source.ip"]!));
        Assert.Equal(2, output.Rejected.Count);
        Assert.Equal("line 3, byte 182", output.Rejected[0].Position);
        Assert.Contains("port", output.Rejected[0].Error.Message);
        Assert.Contains("44x5", output.Rejected[0].Error.Message);
        Assert.Contains("192.0.2.2", output.Rejected[0].Content);
        Assert.Equal("line 4, byte 260", output.Rejected[1].Position);
        Assert.Contains("@timestamp", output.Rejected[1].Error.Message);
    }

    [Fact]
    public void Values_their_field_refuses_and_unknown_columns_are_kept_in_custom()
    {
        var csv = SmbHeader + "\n\"2024-05-01 10:00:00\",\"999.1.1.1\",\"445\",\"n/a\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"a note\"\n";
        var ev = Assert.Single(Run(csv).Events);
        Assert.False(ev.Contains("source.ip"));
        Assert.Equal("999.1.1.1", ev["custom.ip"]);
        Assert.Equal("n/a", ev["custom.hostname"]);
        Assert.Equal("a note", ev["custom.x_note"]);
    }

    [Fact]
    public void A_row_cut_short_keeps_what_it_has()
    {
        var csv = SmbHeader + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"host.example\"";
        var ev = Assert.Single(Run(csv).Events);
        Assert.Equal("host.example", ev["source.reverse_dns"]);
        Assert.True(ev.TryGetValue("custom.x_note", out var note) && note is null);
    }

    [Theory]
    [InlineData("2020.wrong-filename.csv", "is not valid")]
    [InlineData("2024-05-01-no_such_report-geo.csv", "Unknown Shadowserver report type 'no_such_report'")]
    public void Unknown_or_malformed_report_names_fail_the_report_with_a_clear_message(string fileName, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => Run(SmbHeader + "\n", fileName));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Columns_that_do_not_match_the_report_fail_it_once_not_per_row()
    {
        var error = Assert.Throws<InvalidDataException>(() => Run("a,b,c\n1,2,3\n4,5,6\n"));
        Assert.Contains("Required column 'timestamp' not found", error.Message);
        Assert.Contains("Accessible-SMB", error.Message);
    }

    static string SchemaHeader(string reportType) =>
        string.Join(",", ShadowserverSchema.BuiltIn.ByFileName(reportType)!.Required.Concat(ShadowserverSchema.BuiltIn.ByFileName(reportType)!.Optional)
            .Select(f => f.Column).Distinct().Select(c => $"\"{c}\""));

    [Fact]
    public void A_report_of_another_type_is_refused_with_the_types_it_fits()
    {
        var csv = SchemaHeader("scan_smb") + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\"\n";
        var error = Assert.Throws<InvalidDataException>(() => Run(csv, "2024-05-01-scan_ntp-geo.csv"));
        Assert.Contains("does not fit report type 'scan_ntp'", error.Message);
        Assert.Contains("smb_major_number", error.Message);
        Assert.Contains("It fits scan6_smb or scan_smb best", error.Message);
    }

    [Fact]
    public void With_header_mismatch_warn_the_header_is_dumped_and_the_rows_parse()
    {
        var csv = SchemaHeader("scan_smb") + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\"\n";
        var output = Run(csv, options: new() { FileName = "scan_ntp", HeaderMismatch = HeaderMismatch.Warn });
        Assert.Equal("192.0.2.1", Assert.Single(output.Events)["source.ip"]);
        var (position, content, error) = Assert.Single(output.Rejected);
        Assert.Equal("line 1, byte 0", position);
        Assert.StartsWith("\"timestamp\"", content);
        Assert.Contains("does not fit report type 'scan_ntp'", error.Message);
    }

    [Fact]
    public void A_few_columns_the_schema_does_not_know_are_not_a_mismatch()
    {
        var csv = SchemaHeader("scan_smb") + ",\"new_a\",\"new_b\",\"new_c\"\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\"\n";
        Assert.Equal("192.0.2.1", Assert.Single(Run(csv).Events)["source.ip"]);
    }

    [Fact]
    public void An_empty_report_is_an_error_not_silence()
    {
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => Run("")).Message);
    }

    [Fact]
    public void A_row_with_more_fields_than_the_header_is_rejected()
    {
        var output = Run(SmbHeader + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"surplus\"\n");
        Assert.Empty(output.Events);
        Assert.Contains("13 fields", Assert.Single(output.Rejected).Error.Message);
    }

    [Fact]
    public void A_row_that_is_not_utf8_is_rejected_byte_for_byte_and_the_other_rows_parse()
    {
        byte[] bad = [.. Encoding.UTF8.GetBytes("\"2024-05-01 10:00:00\",\"192.0.2.2\",\"445\",\"h"), 0xFF, 0xC3,
            .. Encoding.UTF8.GetBytes("\",\"smb\",\"64496\",\"AT\",\"\",\"\",\"\",\"\",\"\"")];
        byte[] csv = [.. Encoding.UTF8.GetBytes(SmbHeader + "\n" + SmbRow("192.0.2.1")), .. bad, (byte)'\n', .. Encoding.UTF8.GetBytes(SmbRow("192.0.2.3"))];
        var output = RunBytes(csv);
        Assert.Equal(["192.0.2.1", "192.0.2.3"], output.Events.Select(e => (string)e["source.ip"]!));
        Assert.Equal("line 3, byte 182", Assert.Single(output.Rejected).Position);
        Assert.Contains("not valid UTF-8", output.Rejected[0].Error.Message);
        Assert.Equal(bad, Assert.Single(output.RejectedBytes));
    }

    [Fact]
    public void A_row_over_max_row_size_is_rejected_with_a_bounded_prefix_and_the_next_rows_parse()
    {
        var huge = SmbRow("192.0.2.2", new string('a', 20_000_000));
        var output = RunBytes(Encoding.UTF8.GetBytes(SmbHeader + "\n" + SmbRow("192.0.2.1") + huge + SmbRow("192.0.2.3")));
        Assert.Equal(["192.0.2.1", "192.0.2.3"], output.Events.Select(e => (string)e["source.ip"]!));
        var (position, content, error) = Assert.Single(output.Rejected);
        Assert.Equal("line 3, byte 182", position);
        Assert.Contains("max_row_size", error.Message);
        Assert.Contains("first 65536 bytes", error.Message);
        Assert.Equal(huge[..65536], content);
    }

    [Fact]
    public void A_cell_over_max_cell_size_fails_its_row_only()
    {
        var output = Run(SmbHeader + "\n" + SmbRow("192.0.2.1", new string('a', 5000)) + SmbRow("192.0.2.2"), options: new() { FileName = "scan_smb", MaxCellSize = 4096 });
        Assert.Equal("192.0.2.2", (string)Assert.Single(output.Events)["source.ip"]!);
        Assert.Contains("cell 4 is 5000 characters long, over max_cell_size (4096)", Assert.Single(output.Rejected).Error.Message);
    }

    [Fact]
    public void A_quote_never_closed_fails_its_line_and_reading_resumes_at_the_next()
    {
        var output = Run(SmbHeader + "\n" + SmbRow("192.0.2.1") + "\"2024-05-01 10:00:00\",\"192.0.2.2\n" + SmbRow("192.0.2.3"));
        Assert.Equal(["192.0.2.1", "192.0.2.3"], output.Events.Select(e => (string)e["source.ip"]!));
        Assert.Equal("line 3, byte 182", Assert.Single(output.Rejected).Position);
        Assert.Contains("quote", output.Rejected[0].Error.Message);
    }

    [Fact]
    public void A_row_of_nul_bytes_is_a_failed_row_not_an_event()
    {
        byte[] csv = [.. Encoding.UTF8.GetBytes(SmbHeader + "\n"), 0, 0, 0, 0, (byte)'\n', .. Encoding.UTF8.GetBytes(SmbRow("192.0.2.1"))];
        var output = RunBytes(csv);
        Assert.Equal("192.0.2.1", (string)Assert.Single(output.Events)["source.ip"]!);
        Assert.Equal("line 2, byte 105", Assert.Single(output.Rejected).Position);
        Assert.Equal("\0\0\0\0", output.Rejected[0].Content);
        Assert.Contains("required column 'timestamp' is empty", output.Rejected[0].Error.Message);
    }

    [Fact]
    public void A_row_without_a_required_cell_is_a_failed_row()
    {
        var output = Run(SmbHeader + "\n\"2024-05-01 10:00:00\"\n" + SmbRow("") + SmbRow("192.0.2.3"));
        Assert.Equal("192.0.2.3", (string)Assert.Single(output.Events)["source.ip"]!);
        Assert.Equal(["line 2, byte 105", "line 3, byte 127"], output.Rejected.Select(r => r.Position));
        Assert.Contains("required column 'ip' is missing", output.Rejected[0].Error.Message);
        Assert.Contains("required column 'ip' is empty", output.Rejected[1].Error.Message);
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_are_not_data()
    {
        byte[] csv = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes((SmbHeader + "\n" + SmbRow("192.0.2.1", "h.example")).Replace("\n", "\r\n"))];
        var ev = Assert.Single(RunBytes(csv).Events);
        Assert.Equal("h.example", ev["source.reverse_dns"]);
        Assert.Equal(SmbHeader + "\r\n" + SmbRow("192.0.2.1", "h.example").TrimEnd(), ev["event.original"]);
    }

    [Fact]
    public void Invalid_utf8_in_a_raw_body_is_an_error()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes(SmbHeader + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"h"), 0xFF,
            .. Encoding.UTF8.GetBytes("\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n")];
        var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, true));
        Assert.Throws<DecoderFallbackException>(() => new ShadowserverParser(new() { FileName = "scan_smb" }).Parse(reader).ToList());
    }

    [Fact]
    public void Report_type_comes_from_the_option_the_feed_name_or_the_file_name()
    {
        var parser = new ShadowserverParser(new() { Feedname = "Accessible-RDP" });
        Assert.Equal("scan_rdp", parser.ReportTypeOf(Report("2024-05-01-scan_smb-geo.csv")).FileName);
        Assert.Equal("scan_smb", new ShadowserverParser().ReportTypeOf(Report("2024-05-01-scan_smb-geo.csv")).FileName);
        Assert.Equal("scan6_smb", new ShadowserverParser(new() { FileName = "scan6_smb" }).ReportTypeOf(new Event()).FileName);
        Assert.Contains("No report type", Assert.Throws<InvalidDataException>(() => new ShadowserverParser().ReportTypeOf(new Event())).Message);
        Assert.Throws<ConfigurationException>(() => new ShadowserverParser(new() { Feedname = "No-Such-Feed" }));
    }

    [Fact]
    public void Overwrite_sets_the_feed_name_of_the_report_type()
    {
        var csv = SmbHeader + "\n\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"\",\"smb\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n";
        Assert.Equal("Shadowserver Reports", Assert.Single(Run(csv).Events)["feed.name"]);
        Assert.Equal("Accessible-SMB", Assert.Single(Run(csv, options: new() { Overwrite = true }).Events)["feed.name"]);
    }

    [Fact]
    public void Every_conversion_the_schema_names_is_implemented()
    {
        var named = ShadowserverSchema.BuiltIn.ReportTypes.SelectMany(t => t.Required.Concat(t.Optional)).Select(f => f.ConversionName).OfType<string>().ToHashSet();
        Assert.Empty(named.Except(ShadowserverConversions.Names));
        Assert.Equal(170, ShadowserverSchema.BuiltIn.ReportTypes.Count);
    }

    [Theory]
    [InlineData("convert_bool", "Y", true)]
    [InlineData("convert_bool", "false", false)]
    [InlineData("convert_int", "42", 42L)]
    [InlineData("convert_float", "13.50", 13.5)]
    [InlineData("invalidate_zero", "0", null)]
    [InlineData("invalidate_zero", "517311", 517311L)]
    [InlineData("validate_to_none", "unknown", null)]
    [InlineData("validate_to_none", "0", null)]
    [InlineData("validate_to_none", "n/a", "n/a")]
    [InlineData("validate_ip", "999.1.1.1", null)]
    [InlineData("validate_ip", "2001:DB8::1", "2001:db8::1")]
    [InlineData("validate_fqdn", "n/a", null)]
    [InlineData("validate_network", "10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("extract_cve_from_tag", "rdp;cve-2020-0796", "cve-2020-0796")]
    [InlineData("extract_cve_from_tag", "rdp", null)]
    [InlineData("convert_date", "Mon, 15 Jan 2024 00:00:00 GMT", "2024-01-15T00:00:00+00:00")]
    [InlineData("convert_date_utc", "2024-01-15 10:00:00", "2024-01-15T10:00:00+00:00")]
    [InlineData("force_base64", "aGVsbG8=", "aGVsbG8=")]
    [InlineData("force_base64", "hello", "aGVsbG8=")]
    [InlineData("scan_exchange_taxonomy", "exchange;webshell", "intrusions")]
    [InlineData("scan_exchange_type", "exchange;cve-2021-26855", "vulnerable-system")]
    [InlineData("scan_exchange_identifier", "exchange;webshell", "exchange-server-webshell")]
    public void Conversions(string name, string input, object? expected) =>
        Assert.Equal(expected, ShadowserverConversions.Get(name)(input, _ => null));

    /// <summary>The audit against IntelMQ 3.3: each conversion on an empty cell, a sentinel, and a missing cell (null).</summary>
    [Theory]
    [InlineData("add_UTC_to_timestamp", "", null)]
    [InlineData("convert_int", "", null)]
    [InlineData("convert_int", " 42 ", 42L)]
    [InlineData("convert_float", "", null)]
    [InlineData("convert_bool", "", null)]
    [InlineData("convert_bool", "enabled", true)]
    [InlineData("convert_bool", "Disabled", false)]
    [InlineData("convert_bool", "maybe", null)]
    [InlineData("validate_to_none", "", null)]
    [InlineData("validate_to_none", "Unknown", "Unknown")]
    [InlineData("invalidate_zero", "", null)]
    [InlineData("invalidate_zero", null, null)]
    [InlineData("validate_ip", "", null)]
    [InlineData("validate_ip", "0.0.0.0", null)]
    [InlineData("validate_network", "", null)]
    [InlineData("validate_network", "192.0.2.1", null)]
    [InlineData("validate_fqdn", "", null)]
    [InlineData("convert_date", "", null)] // IntelMQ gives today's midnight: wall-clock dependent, left out on purpose
    [InlineData("convert_date_utc", "", null)]
    [InlineData("force_base64", "", null)]
    [InlineData("extract_cve_from_tag", "", null)]
    [InlineData("extract_cve_from_tag", null, null)]
    [InlineData("scan_exchange_taxonomy", "", "vulnerable")]
    [InlineData("scan_exchange_type", "", "vulnerable-system")]
    [InlineData("scan_exchange_identifier", "", "vulnerable-exchange-server")]
    [InlineData("scan_exchange_identifier", null, null)]
    public void Conversions_of_empty_cells_sentinels_and_missing_cells(string name, string? input, object? expected) =>
        Assert.Equal(expected, ShadowserverConversions.Get(name)(input, _ => null));

    [Fact]
    public void An_empty_tag_still_classifies_an_exchange_server_as_vulnerable()
    {
        var type = ShadowserverSchema.BuiltIn.ByFileName("scan_exchange")!;
        var columns = type.Required.Concat(type.Optional).Select(f => f.Column).Distinct().ToList();
        var row = columns.Select(c => c switch { "timestamp" => "2024-05-01 10:00:00", "ip" => "192.0.2.1", "port" => "443", _ => "" });
        var csv = string.Join(",", columns.Select(c => $"\"{c}\"")) + "\n" + string.Join(",", row.Select(v => $"\"{v}\"")) + "\n";
        var ev = Assert.Single(Run(csv, "2024-05-01-scan_exchange-geo.csv").Events);
        Assert.Equal("vulnerable", ev["classification.taxonomy"]);
        Assert.Equal("vulnerable-system", ev["classification.type"]);
        Assert.Equal("vulnerable-exchange-server", ev["classification.identifier"]);
    }

    [Theory]
    [InlineData("http_host", "c2.example", "/a", "http://c2.example/a")] // the host column of sinkhole reports
    [InlineData("hostname", "h.example", "GET /a HTTP/1.1", "http://h.example/a")] // reports without one (sandbox_url) take the host name
    [InlineData("none", "", "/a", null)] // no host at all: no URL, the path stays in custom
    [InlineData("none", "", "http://full.example/a", "http://full.example/a")]
    [InlineData("http_host", "c2.example", "", null)]
    public void Http_host_and_url_takes_its_host_from_the_companion_column(string hostColumn, string host, string url, string? expected)
    {
        var row = new Dictionary<string, string?> { [hostColumn] = host };
        Assert.Equal(expected, ShadowserverConversions.Get("convert_http_host_and_url")(url, c => row.GetValueOrDefault(c)));
    }

    [Fact]
    public void Whole_row_conversions_read_the_other_columns()
    {
        var row = new Dictionary<string, string?> { ["http_host"] = "c2.example.com", ["category"] = "", ["detail"] = "d" };
        Assert.Equal("http://c2.example.com/gate.php", ShadowserverConversions.Get("convert_http_host_and_url")("GET /gate.php HTTP/1.1", c => row.GetValueOrDefault(c)));
        Assert.Equal("d", ShadowserverConversions.Get("category_or_detail")(null, c => row.GetValueOrDefault(c)));
        Assert.Throws<FormatException>(() => ShadowserverConversions.Get("convert_int")("12a", _ => null));
    }

    /// <summary>Implements the schema, not the fixtures: a generated report of every report type parses.</summary>
    [Fact]
    public void Every_report_type_of_the_schema_parses_a_generated_report()
    {
        var failures = new List<string>();
        foreach (var type in ShadowserverSchema.BuiltIn.ReportTypes)
        {
            var columns = type.Required.Concat(type.Optional).Select(f => f.Column).Distinct().ToList();
            var row = columns.Select(c => $"\"{SampleValue(type, c)}\"");
            var csv = string.Join(",", columns.Select(c => $"\"{c}\"")) + "\n" + string.Join(",", row) + "\n";
            var output = Run(csv, $"2024-05-01-{type.FileName}-geo.csv");
            if (output.Events.Count != 1 || output.Rejected.Count != 0)
                failures.Add($"{type.FileName}: {output.Events.Count} events, {string.Join("; ", output.Rejected.Select(r => r.Error.Message))}");
            else if (type.Constants.Any(c => !output.Events[0].Contains(c.Key)))
                failures.Add($"{type.FileName}: constant fields missing");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    static string SampleValue(ShadowserverReportType type, string column)
    {
        var field = type.Required.Concat(type.Optional).First(f => f.Column == column);
        return field.ConversionName switch
        {
            "add_UTC_to_timestamp" or "convert_date" or "convert_date_utc" => "2024-05-01 10:00:00",
            "validate_ip" => "192.0.2.7",
            "convert_int" or "invalidate_zero" => "443",
            "convert_float" => "1.5",
            "convert_bool" => "Y",
            "validate_network" => "192.0.2.0/24",
            "validate_fqdn" => "host.example.com",
            "convert_http_host_and_url" => "/path",
            _ when field.Path is { } p && FieldCatalogue.Default.Find(p) is { } f => f.Type switch
            {
                FieldType.Ip => "192.0.2.8",
                FieldType.Port or FieldType.Integer or FieldType.Asn => "64496",
                FieldType.Country => "AT",
                FieldType.Fqdn => "host.example.org",
                FieldType.Url => "http://host.example.org/x",
                FieldType.DateTime => "2024-05-01 10:00:00",
                FieldType.Float or FieldType.Accuracy => "1.5",
                FieldType.Boolean => "true",
                FieldType.Cidr => "192.0.2.0/24",
                FieldType.Taxonomy => "vulnerable",
                FieldType.ClassificationType => "vulnerable-system",
                _ => "value",
            },
            _ => "value",
        };
    }
}
