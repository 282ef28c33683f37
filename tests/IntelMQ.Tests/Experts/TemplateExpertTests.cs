using IntelMQ.Core;
using IntelMQ.Experts.Template;

namespace IntelMQ.Tests.Experts;

public sealed class TemplateExpertTests
{
    static Event Process(TemplateExpertOptions options, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        new TemplateExpert(options).Process(ev, output);
        return Assert.Single(output.Events);
    }

    static TemplateExpertOptions Fields(params (string Field, string Template)[] fields) =>
        new() { Fields = fields.ToDictionary(f => f.Field, f => f.Template) };

    [Fact]
    public void Templates_see_the_event_under_intelmq_names()
    {
        var ev = Process(Fields(("extra.where", "{{ msg['source.fqdn'] }} at {{ msg['source.ip'] }} ({{ msg['extra.tag'] | upper }})")),
            ("source.domain", "example.org"), ("source.ip", "192.0.2.1"), ("custom.tag", "botnet"));

        Assert.Equal("example.org at 192.0.2.1 (BOTNET)", ev["custom.where"]);
    }

    [Fact]
    public void Conditions_and_loops_render_as_in_liquid()
    {
        var ev = Process(Fields(("extra.text", "{% if msg['time.source'] %}{{ msg['time.source'] }}{% else %}none{% endif %}")));

        Assert.Equal("none", ev["custom.text"]);
    }

    [Fact]
    public void A_field_the_event_has_is_kept_unless_overwrite()
    {
        var options = Fields(("feed.url", "{{ msg['feed.url'] | upper }}"));

        Assert.Equal("https://cert.at", Process(options, ("feed.url", "https://cert.at"))["feed.url"]);
        Assert.Equal("HTTPS://CERT.AT", Process(options with { Overwrite = true }, ("feed.url", "https://cert.at"))["feed.url"]);
    }

    [Fact]
    public void A_template_file_is_read_at_start()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{{ msg['source.ip'] | default: 'none' }}");

            Assert.Equal("none", Process(Fields(("extra.ip", "file://" + file)))["custom.ip"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_syntax_error_stops_the_start_naming_the_field() =>
        Assert.Contains("extra.broken", Assert.Throws<ConfigurationException>(() => new TemplateExpert(Fields(("extra.broken", "{% if %}")))).Message);

    [Fact]
    public void An_unknown_field_stops_the_start() =>
        Assert.Throws<ConfigurationException>(() => new TemplateExpert(Fields(("no.such.field", "x"))));
}
