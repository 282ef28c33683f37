using IntelMQ.Core;
using IntelMQ.Experts.Sieve;

namespace IntelMQ.Tests.Experts;

public sealed class SieveExpertTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sieve-");

    public void Dispose() => _dir.Delete(recursive: true);

    SieveExpert Expert(string rules)
    {
        var file = Path.Combine(_dir.FullName, "rules.sieve");
        File.WriteAllText(file, rules);
        return new SieveExpert(new SieveExpertOptions { File = file }, ProgramContext.Default);
    }

    static EventCollector Run(SieveExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return output;
    }

    [Fact]
    public void Matching_rule_changes_the_event_by_IntelMQ_field_names()
    {
        var output = Run(Expert("if source.ip << '10.0.0.0/8' && :notexists source.fqdn { add comment = 'internal' }"), ("source.ip", "10.1.2.3"));

        Assert.Equal("internal", Assert.Single(output.Events)["comment"]);
    }

    [Fact]
    public void Drop_is_counted_with_the_rule_position()
    {
        var output = Run(Expert("if feed.accuracy < 50 {\n  drop\n}"), ("feed.accuracy", 10.0));

        Assert.Empty(output.Events);
        Assert.Contains("line 2", Assert.Single(output.Dropped).Reason);
    }

    [Fact]
    public void Path_statements_route_copies_and_are_declared()
    {
        var expert = Expert("if comment == 'x' { path ['one', 'two'] }");
        var output = Run(expert, ("comment", "x"));

        Assert.Equal(["one", "two"], output.Paths);
        Assert.Equal(["one", "two"], expert.DeclaredPaths);
    }

    [Fact]
    public void Elif_and_else_take_the_first_branch_that_holds()
    {
        var expert = Expert("if comment == 'a' { update comment = '1' } elif comment == 'b' { update comment = '2' } else { update comment = '3' }");

        Assert.Equal("2", Assert.Single(Run(expert, ("comment", "b")).Events)["comment"]);
        Assert.Equal("3", Assert.Single(Run(expert, ("comment", "c")).Events)["comment"]);
    }

    [Theory]
    [InlineData("if source.ip == '10.0.0.1' {", "line 1, column 28")]
    [InlineData("if source.fqdn == 2 { drop }", "line 1, column 16")]
    [InlineData("if\n  nosuch.field == 'a' { drop }", "line 2, column 3")]
    [InlineData("if source.ip == '#fail' { drop }", "not an IP address")]
    public void Broken_file_is_refused_with_line_and_column(string rules, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Expert(rules));

        Assert.Contains(expected, error.Message);
        Assert.Contains("rules.sieve", error.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_not_recursed()
    {
        var deep = string.Concat(Enumerable.Repeat("(", 10_000)) + "comment == 'a'" + string.Concat(Enumerable.Repeat(")", 10_000));

        var error = Assert.Throws<ConfigurationException>(() => Expert($"if {deep} {{ drop }}"));

        Assert.Contains("nested deeper", error.Message);
    }
}
