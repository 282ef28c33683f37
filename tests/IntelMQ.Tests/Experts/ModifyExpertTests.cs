using IntelMQ.Core;
using IntelMQ.Experts.Modify;

namespace IntelMQ.Tests.Experts;

public sealed class ModifyExpertTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("modify-");

    public void Dispose() => _dir.Delete(recursive: true);

    ModifyExpert Expert(string rules, bool overwrite = true)
    {
        var file = Path.Combine(_dir.FullName, "modify.conf");
        File.WriteAllText(file, rules);
        return new ModifyExpert(new ModifyExpertOptions { ConfigurationPath = file, Overwrite = overwrite });
    }

    [Fact]
    public void Regex_groups_and_field_values_format_the_new_value()
    {
        var expert = Expert("""[{"rulename": "r", "if": {"malware.name": "^scorecard-(.*)$", "classification.identifier": ""}, "then": {"classification.identifier": "{matches[malware.name][1]}", "comment": "{msg[malware.name]}"}}]""");
        var ev = Event.Create();
        ev.Add("threat.software.name", "scorecard-zeus");
        var output = new EventCollector();

        expert.Process(ev, output);

        Assert.Equal("zeus", ev["classification.identifier"]);
        Assert.Equal("scorecard-zeus", ev["comment"]);
    }

    [Fact]
    public void Without_overwrite_existing_fields_are_kept()
    {
        var expert = Expert("""[{"rulename": "r", "if": {"comment": "."}, "then": {"comment": "new"}}]""", overwrite: false);
        var ev = Event.Create();
        ev.Add("comment", "old");

        expert.Process(ev, new EventCollector());

        Assert.Equal("old", ev["comment"]);
    }

    [Theory]
    [InlineData("[{\"rulename\": \"r\", \"if\": {\"no.such\": \"x\"}, \"then\": {}}]", "'no.such' is not a field")]
    [InlineData("[{\"rulename\": \"r\", \"if\": {\"comment\": \"(\"}, \"then\": {}}]", "not a regular expression")]
    [InlineData("[{\"rulename\": \"r\",\n \"if\": {", "line 2")]
    public void Broken_rule_file_is_refused_naming_the_file(string rules, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Expert(rules));

        Assert.Contains(expected, error.Message);
        Assert.Contains("modify.conf", error.Message);
    }
}
