using System.Text;
using System.Text.Json.Nodes;

namespace IntelMQ.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    static string Sample(string name) => File.ReadAllText(Path.Combine(Paths.Repo, "examples", "shadowserver", name));

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public void A_raw_report_pipes_through_parser_taxonomy_and_file_output()
    {
        var parsed = _intelmq.Run(Sample("2024-05-01-scan_smb-geo.csv"), "run", "shadowserver-parser", "--raw", "--set", "file_name=2024-05-01-scan_smb-geo.csv", "--dump", _intelmq.PathOf("dump.jsonl"));
        Assert.Equal(1, parsed.ExitCode);
        Assert.Contains("12 events", parsed.Stderr);
        Assert.Contains("2 failures dumped", parsed.Stderr);
        var classified = _intelmq.Run(parsed.Stdout, "run", "taxonomy-expert");
        Assert.Equal(0, classified.ExitCode);
        var output = _intelmq.Run(classified.Stdout, "run", "file-output", "--set", $"path={_intelmq.PathOf("events.jsonl")}");
        Assert.Equal(0, output.ExitCode);
        Assert.Equal("", output.Stdout);
        var events = File.ReadAllLines(_intelmq.PathOf("events.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(12, events.Count);
        Assert.All(events, e => Assert.Equal("vulnerable", (string)e["classification"]!["taxonomy"]!));
        var dump = File.ReadAllLines(_intelmq.PathOf("dump.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, dump.Count);
        Assert.Equal("shadowserver-parser", (string)dump[0]["program"]!);
        Assert.StartsWith("line ", (string)dump[0]["position"]!);
        Assert.Contains("44x5", (string)dump[0]["content"]!);
    }

    [Fact]
    public void Programs_answer_to_their_intelmq_module_and_speak_dho()
    {
        var input = """{"__type": "Event", "classification.type": "infected-system", "source.asn": 64496, "extra.note": "x"}""" + "\n";
        var result = _intelmq.Run(input, "run", "intelmq.bots.experts.taxonomy.expert", "--in-format", "dho", "--out-format", "dho");
        Assert.Equal(0, result.ExitCode);
        var dho = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("malicious-code", (string)dho["classification.taxonomy"]!);
        Assert.Equal(64496, (long)dho["source.asn"]!);
        Assert.Equal("x", (string)dho["extra.note"]!);
    }

    [Fact]
    public void Output_formats_idf_ndjson_and_dho()
    {
        var input = """{"source": {"ip": "192.0.2.1"}}""" + "\n" + """{"source": {"ip": "192.0.2.2"}}""" + "\n";
        var idf = _intelmq.Run(input, "run", "taxonomy-expert", "--out-format", "idf");
        var packet = JsonNode.Parse(idf.Stdout.Trim())!;
        Assert.Equal("IntelMQ-IDF", (string)packet["meta"]!["format-name"]!);
        Assert.Equal(2, packet["data"]!.AsArray().Count);
        var ndjson = _intelmq.Run(input, "run", "taxonomy-expert", "--out-format", "ndjson");
        Assert.Equal(2, ndjson.Stdout.Trim().Split('\n').Length);
        var dho = _intelmq.Run(input, "run", "taxonomy-expert", "--out-format", "dho", "--stop-after", "1");
        Assert.Equal("192.0.2.1", (string)JsonNode.Parse(dho.Stdout.Trim())!["source.ip"]!);
    }

    [Fact]
    public void Bad_messages_go_to_the_dump_and_the_run_goes_on()
    {
        var input = "{\"source\": {\"ip\": \"192.0.2.1\"}}\n{\"source\": {\"ip\": \n{\"source\": {\"ip\": \"999.1.1.1\"}}\n\n{\"source\": {\"ip\": \"192.0.2.3\"}}\n";
        var result = _intelmq.Run(input, "run", "taxonomy-expert", "--out-format", "ndjson", "--dump", _intelmq.PathOf("d.jsonl"));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, result.Stdout.Trim().Split('\n').Length);
        var dump = File.ReadAllLines(_intelmq.PathOf("d.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["line 2", "line 3"], dump.Select(d => (string)d["position"]!));
        Assert.Contains("999.1.1.1", (string)dump[1]["error"]!);
        Assert.Equal("{\"source\": {\"ip\": ", (string)dump[0]["content"]!);
    }

    [Fact]
    public void A_20_MB_timestamp_is_dumped_and_the_next_message_processed()
    {
        var huge = "{\"__type\": \"Event\", \"time.source\": \"" + new string('1', 20 * 1024 * 1024) + "\"}\n";
        var input = huge + "{\"__type\": \"Event\", \"source.ip\": \"192.0.2.1\", \"classification.type\": \"infected-system\"}\n";
        var result = _intelmq.Run(input, "run", "taxonomy-expert", "--out-format", "dho", "--dump", _intelmq.PathOf("d.jsonl"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("192.0.2.1", Assert.Single(result.Stdout.Trim().Split('\n')));
        var dump = JsonNode.Parse(Assert.Single(File.ReadAllLines(_intelmq.PathOf("d.jsonl"))))!;
        Assert.Contains("at most 64 characters", (string)dump["error"]!);
    }

    [Fact]
    public void Invalid_utf8_and_binary_input_are_dumped_not_fatal()
    {
        byte[] input = [.. "{\"source\": {\"ip\": \"192.0.2.1\", \"x\": \""u8, 0xC3, 0x28, .. "\"}}\n"u8, 0, 1, 2, (byte)'\n'];
        var result = _intelmq.Run(input, "run", "taxonomy-expert", "--dump", _intelmq.PathOf("d.jsonl"));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, File.ReadAllLines(_intelmq.PathOf("d.jsonl")).Length);
    }

    [Fact]
    public void Refused_configuration_exits_2_with_a_hint()
    {
        var typo = _intelmq.Run("", "run", "shadowserver-parser", "--set", "feednam=Accessible-SMB");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("unknown option 'feednam'", typo.Stderr);
        Assert.Contains("Did you mean 'feedname'", typo.Stderr);
        var type = _intelmq.Run("", "run", "file-output", "--set", "fsync=\"sometimes\"");
        Assert.Equal(2, type.ExitCode);
        Assert.Contains("must be a boolean", type.Stderr);
        var program = _intelmq.Run("", "run", "shadowserver-parsr");
        Assert.Equal(2, program.ExitCode);
        Assert.Contains("Did you mean 'shadowserver-parser'", program.Stderr);
        Assert.Equal(2, _intelmq.Run("", "run", "taxonomy-expert", "--raw").ExitCode);
        Assert.Equal(2, _intelmq.Run("", "run", "taxonomy-expert", "--output", "x=redis://h").ExitCode);
        Assert.Equal(2, _intelmq.Run("", "run", "--no-such-flag").ExitCode);
    }

    [Fact]
    public void Set_values_are_json_when_they_parse_and_config_files_are_yaml()
    {
        File.WriteAllText(_intelmq.PathOf("out.yaml"), $"parameters:\n  file: {_intelmq.PathOf("a.txt")}\n  format: dho\n");
        var input = """{"source": {"ip": "192.0.2.1"}}""" + "\n";
        Assert.Equal(0, _intelmq.Run(input, "run", "file-output", "--config", _intelmq.PathOf("out.yaml")).ExitCode);
        Assert.Contains("\"source.ip\":\"192.0.2.1\"", File.ReadAllText(_intelmq.PathOf("a.txt")));
        Assert.Equal(0, _intelmq.Run(input, "run", "file-output", "--config", _intelmq.PathOf("out.yaml"), "--set", "fsync=true", "--set", "packet_size=2").ExitCode);
        var refused = _intelmq.Run(input, "run", "file-output", "--set", "packet_size=0");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("packet_size", refused.Stderr);
    }

    [Fact]
    public async Task A_reader_that_leaves_the_pipe_stops_the_run_with_status_3_rather_than_losing_events_silently()
    {
        var report = _intelmq.PathOf("big.csv");
        var rows = Sample("2024-05-01-scan_smb-geo.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        File.WriteAllLines(report, [rows[0], .. Enumerable.Repeat(rows[1], 50_000)]);
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"dotnet '{Paths.IntelMQDll}' run shadowserver-parser --raw --set file_name=scan_smb --out-format ndjson < '{report}' | head -c 100 > /dev/null; echo ${{PIPESTATUS[0]}}");
        start.Environment["INTELMQ_HOME"] = _intelmq.Home;
        using var bash = System.Diagnostics.Process.Start(start)!;
        var stderr = bash.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Equal("3", (await bash.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim());
        Assert.Contains("stdout: its reader went away", await stderr);
        Assert.DoesNotContain("50000 events", await stderr);
    }

    [Fact]
    public async Task Standard_output_and_error_into_one_file_do_not_overwrite_each_other()
    {
        var input = _intelmq.PathOf("in.jsonl");
        File.WriteAllLines(input, Enumerable.Range(1, 3).Select(i => $"{{\"source\": {{\"ip\": \"192.0.2.{i}\"}}}}"));
        var log = _intelmq.PathOf("run.log");
        var start = new System.Diagnostics.ProcessStartInfo("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"dotnet '{Paths.IntelMQDll}' run taxonomy-expert --out-format ndjson < '{input}' > '{log}' 2>&1");
        start.Environment["INTELMQ_HOME"] = _intelmq.Home;
        using (var bash = System.Diagnostics.Process.Start(start)!) await bash.WaitForExitAsync(TestContext.Current.CancellationToken);
        var lines = File.ReadAllLines(log);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3"], lines.Where(l => l.StartsWith('{')).Select(l => (string)JsonNode.Parse(l)!["source"]!["ip"]!));
        Assert.Contains("taxonomy-expert: 3 messages, 3 events", lines);
    }

    [Fact]
    public void A_report_sent_to_an_expert_is_dumped_with_the_reason()
    {
        var run = _intelmq.Run("{\"__type\": \"Report\", \"feed.name\": \"x\"}\n", "run", "taxonomy-expert", "--dump", _intelmq.PathOf("d.jsonl"));
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("send reports to a parser first", File.ReadAllText(_intelmq.PathOf("d.jsonl")));
    }

    [Fact]
    public void Named_output_paths_go_to_files()
    {
        var input = """{"source": {"ip": "192.0.2.1"}}""" + "\n";
        var result = _intelmq.Run(input, "run", "taxonomy-expert", "--output", $"_default=file:{_intelmq.PathOf("default.jsonl")}", "--out-format", "ndjson");
        Assert.Equal("", result.Stdout);
        Assert.Single(File.ReadAllLines(_intelmq.PathOf("default.jsonl")));
    }

    [Fact]
    public void List_and_help_describe_every_program()
    {
        var list = _intelmq.Run("", "list");
        Assert.Matches(@"shadowserver-parser\s+parser\s+\S", list.Stdout);
        Assert.Matches(@"taxonomy-expert\s+expert", list.Stdout);
        Assert.Matches(@"file-output\s+output", list.Stdout);
        var help = _intelmq.Run("", "help", "intelmq.bots.parsers.shadowserver.parser");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("# shadowserver-parser", help.Stdout);
        Assert.Contains("| `feedname`, `feed_name` | string |", help.Stdout);
        Assert.Contains("## Examples", help.Stdout);
        Assert.Contains("--raw", _intelmq.Run("", "run", "--help").Stdout);
    }

    [Fact]
    public void The_fake_clock_fixes_time()
    {
        var result = _intelmq.Run("a,b\n", "run", "shadowserver-parser", "--raw", "--set", "file_name=scan_smb", "--dump", _intelmq.PathOf("d.jsonl"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("2024-05-02T10:00:00", (string)JsonNode.Parse(File.ReadAllLines(_intelmq.PathOf("d.jsonl"))[0])!["time"]!);
    }

    [Fact]
    public void The_demo_runs_on_built_in_samples()
    {
        var result = _intelmq.Run("", "demo");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Wrote 48 events", result.Stdout);
        Assert.Matches(@"Accessible-SMB\s+vulnerable\s+12", result.Stdout);
        Assert.Matches(@"Sinkhole-Events-HTTP IPv4\s+malicious-code\s+12", result.Stdout);
        Assert.Contains("2024-05-01-scan_smb-geo.csv line 7", result.Stdout);
        Assert.Contains("8 rows failed", result.Stdout);
        Assert.Equal(48, File.ReadAllLines(_intelmq.PathOf(Path.Combine("out", "demo-events.jsonl"))).Length);
    }
}
