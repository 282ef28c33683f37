using IntelMQ.Runtime.Configuration;

namespace IntelMQ.Tests.Runtime.Configuration;

public sealed class ConfigTemplateTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-template-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string? Render(string text, List<ConfigDiagnostic> problems, bool masked = false) => ConfigTemplate.Render(text, "x.yaml", _dir, masked, problems);

    [Fact]
    public void Environment_variables_and_defaults_are_filled_in()
    {
        Environment.SetEnvironmentVariable("INTELMQ_TEST_TEMPLATE_HOST", "redis.example.org");
        var problems = new List<ConfigDiagnostic>();
        var text = Render("a: {{ env.INTELMQ_TEST_TEMPLATE_HOST }}\nb: {{ env.INTELMQ_TEST_TEMPLATE_UNSET | default: \"6379\" }}\n", problems);
        Assert.Empty(problems);
        Assert.Equal("a: redis.example.org\nb: 6379\n", text);
    }

    [Fact]
    public void An_unset_variable_without_default_is_named_with_its_line_and_the_fix()
    {
        var problems = new List<ConfigDiagnostic>();
        Render("a: 1\nb: {{ env.INTELMQ_TEST_TEMPLATE_MISSING }}\n", problems);
        var problem = Assert.Single(problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains("INTELMQ_TEST_TEMPLATE_MISSING is not set", problem.Message);
        Assert.Contains("| default:", problem.Message);
    }

    [Fact]
    public void A_secret_file_is_read_once_and_masked_when_shown()
    {
        File.WriteAllText(Path.Combine(_dir, "db"), "s3cr3t\n");
        var problems = new List<ConfigDiagnostic>();
        Assert.Equal("password: s3cr3t", Render("password: {{ \"db\" | file }}", problems));
        Assert.Equal("password: ***", Render("password: {{ \"db\" | file }}", problems, masked: true));
        Assert.Equal("token: ***", Render("token: {{ \"abc\" | secret }}", problems, masked: true));
        Assert.Empty(problems);
    }

    [Fact]
    public void A_missing_secret_file_is_reported()
    {
        var problems = new List<ConfigDiagnostic>();
        Render("password: {{ \"nope\" | file }}", problems);
        Assert.Contains("cannot be read", Assert.Single(problems).Message);
    }

    [Fact]
    public void Raw_keeps_a_literal_template()
    {
        var problems = new List<ConfigDiagnostic>();
        Assert.Equal("url: x?key={{ your API key }}", Render("url: {% raw %}x?key={{ your API key }}{% endraw %}", problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void A_broken_template_is_reported_with_its_line()
    {
        var problems = new List<ConfigDiagnostic>();
        Assert.Null(Render("a: 1\nb: {{ env.X \n", problems));
        Assert.Contains("not a valid template", Assert.Single(problems).Message);
    }
}
