using System.Text.Json.Nodes;

namespace IntelMQ.Tests.Cli;

public sealed class DumpCommandTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public void Dumped_messages_can_be_listed_shown_replayed_after_a_fix_and_deleted()
    {
        // Two bad messages and one parser report with a bad row.
        var input = "{\"source\": {\"ip\": \"999.1.1.1\"}}\n{\"source\": {\"ip\": \"192.0.2.1\"}}\nnot json\n";
        Assert.Equal(1, _intelmq.Run(input, "run", "taxonomy-expert").ExitCode);
        var csv = File.ReadAllText(Path.Combine(Paths.Repo, "examples", "shadowserver", "2024-05-01-scan_smb-geo.csv"));
        Assert.Equal(1, _intelmq.Run(csv, "run", "shadowserver-parser", "--raw", "--set", "file_name=scan_smb").ExitCode);

        var list = _intelmq.Run("", "dump", "list");
        Assert.Matches(@"taxonomy-expert\s+2\s+2\s+0", list.Stdout);
        Assert.Matches(@"shadowserver-parser\s+2\s+0\s+2", list.Stdout);

        var show = _intelmq.Run("", "dump", "show", "taxonomy-expert");
        Assert.Contains("999.1.1.1", show.Stdout);
        Assert.Contains("line 3", show.Stdout);

        var replay = _intelmq.Run("", "dump", "replay", "taxonomy-expert", "--to", $"file:{_intelmq.PathOf("replay.jsonl")}");
        Assert.Equal(0, replay.ExitCode);
        Assert.Contains("replayed 2 messages", replay.Stderr);
        Assert.Equal(["{\"source\": {\"ip\": \"999.1.1.1\"}}", "not json"], File.ReadAllLines(_intelmq.PathOf("replay.jsonl")));
        Assert.DoesNotContain("taxonomy-expert", _intelmq.Run("", "dump", "list").Stdout);

        var rows = _intelmq.Run("", "dump", "replay", "shadowserver-parser", "--to", $"file:{_intelmq.PathOf("rows.jsonl")}");
        Assert.Contains("stay in the dump", rows.Stderr);
        Assert.Equal(0, _intelmq.Run("", "dump", "delete", "shadowserver-parser").ExitCode);
        Assert.Contains("no dumps", _intelmq.Run("", "dump", "list").Stdout);
        Assert.Equal(2, _intelmq.Run("", "dump", "show", "nothing-here").ExitCode);
    }

    [Fact]
    public void A_message_that_is_not_UTF8_is_dumped_and_replayed_byte_for_byte()
    {
        byte[] bad = [0xff, 0xfe, (byte)'{', (byte)'}', (byte)'\n'];
        Assert.Equal(1, _intelmq.Run(bad, "run", "taxonomy-expert").ExitCode);
        Assert.Contains("(not UTF-8, base64) //57fQ==", _intelmq.Run("", "dump", "show", "taxonomy-expert").Stdout);

        Assert.Equal(0, _intelmq.Run("", "dump", "replay", "taxonomy-expert", "--to", $"file:{_intelmq.PathOf("replay.jsonl")}").ExitCode);
        Assert.Equal(bad, File.ReadAllBytes(_intelmq.PathOf("replay.jsonl")));
    }

    [Fact]
    public void A_daemon_between_files_follows_its_input_and_resumes_after_a_restart()
    {
        var input = _intelmq.PathOf("in.jsonl");
        var output = _intelmq.PathOf("out.jsonl");
        File.WriteAllText(input, "{\"source\": {\"ip\": \"192.0.2.1\"}}\n");
        string[] args = ["run", "taxonomy-expert", "--input", $"file:{input}?follow=true", "--output", $"file:{output}?format=ndjson", "--stop-after", "1"];
        Assert.Equal(0, _intelmq.Run("", args).ExitCode);
        File.AppendAllText(input, "{\"source\": {\"ip\": \"192.0.2.2\"}}\n");
        Assert.Equal(0, _intelmq.Run("", args).ExitCode);
        var ips = File.ReadAllLines(output).Select(l => (string)JsonNode.Parse(l)!["source"]!["ip"]!).ToList();
        Assert.Equal(["192.0.2.1", "192.0.2.2"], ips);
    }
}
